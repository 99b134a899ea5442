/**
 * Ring weights (above 0, at most 100) and member counts (at most 1,000) are refused at every entry
 * before any work: edge flags and config file, the admin port's PUT /membership, control-plane
 * heartbeats and region size, the membership an edge receives, and the Ring itself, whose points
 * stay bounded at the maximum (issue #12). Nothing here measures time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_RING_MEMBERS, MAX_RING_POINTS, MAX_RING_WEIGHT, ringBoundsProblem } from '../../../common/ring-bounds.js';
import { createAdminServer } from '../../../edge/adapters/admin-server.js';
import { Ring, type RingMember } from '../../../edge/routing/ring.js';
import { startControlPlane } from '../../control-plane/support/harness.js';
import { BinaryRuns } from '../../support/binary-runs.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'edge', 'main.js');
const ABSURD = [MAX_RING_WEIGHT + 1, 1000, 1_000_000, 1e300, 0, -1];

function members(n: number, weight = 1): RingMember[] {
  return Array.from({ length: n }, (_, i) => ({ id: `e${i}`, url: `http://127.0.0.1:${10_000 + (i % 50_000)}`, weight }));
}

const EDGE_ARGS = ['--origin', 'http://127.0.0.1:1', '--id', 'e0', '--peer-secret', 'bounds-test-secret-0123456789abcdef'];

function runEdge(args: string[]) {
  return spawnSync(process.execPath, [bin, ...EDGE_ARGS, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
}

test('flags: a weight out of range or too many members is one line and exit 2', async () => {
  const weights = [101, 1000, 1_000_000, 0];
  const many = members(MAX_RING_MEMBERS + 1).map((m) => `${m.id}=${m.url}`).join(',');
  // Started together (binary-runs.ts): each is a process that reads its flags and exits.
  const runs = new BinaryRuns();
  const peerLists = [...weights.map((w) => `e0=http://127.0.0.1:1*${w}`), many];
  const results = await Promise.all(peerLists.map((peers) => runs.node(bin, [...EDGE_ARGS, '--peers', peers])));
  for (const [i, weight] of weights.entries()) {
    assert.is(results[i]!.status, 2, `weight ${weight}`);
    assert.match(results[i]!.stderr, /^cdn-edge: peers\.0\.weight: .*\(from --peers\)\n$/);
  }
  const tooMany = results[weights.length]!;
  assert.is(tooMany.status, 2);
  assert.match(tooMany.stderr, /^cdn-edge: peers: .*1000.*\(from --peers\)\n$/);
});

test('config file: the same bounds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgeworks-bounds-'));
  const file = join(dir, 'edge.json');
  writeFileSync(file, JSON.stringify({ peers: [{ id: 'e0', url: 'http://127.0.0.1:1', weight: 1_000_000 }] }));
  const r = runEdge(['--config', file]);
  assert.is(r.status, 2);
  assert.match(r.stderr, /^cdn-edge: peers\.0\.weight: .*\n$/);
});

test('admin PUT /membership: 400 naming the field, and the ring is left alone', async () => {
  const installed: RingMember[][] = [];
  const token = 'bounds-admin-token-0123456789';
  const server = createAdminServer({ token, registry: new Registry(), health: () => ({ ok: true, detail: {} }), setMembers: (m) => installed.push(m) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/membership`;
  const put = async (body: unknown) => {
    const res = await request(url, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.statusCode, body: (await res.body.json()) as { field?: string } };
  };
  try {
    for (const weight of ABSURD) {
      const res = await put({ members: [{ id: 'e0', url: 'http://127.0.0.1:1', weight }] });
      assert.is(res.status, 400, `weight ${weight}`);
      assert.is(res.body.field, 'members.0.weight');
    }
    const tooMany = await put({ members: members(MAX_RING_MEMBERS + 1) });
    assert.is(tooMany.status, 400);
    assert.is(tooMany.body.field, 'members');
    assert.equal(installed, []);
    assert.is((await put({ members: members(3, MAX_RING_WEIGHT) })).status, 200, 'the maximum weight itself is fine');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

const heartbeat = (edge: string, region: string, weight?: number) => ({
  edge,
  region,
  url: `http://127.0.0.1:${1 + (Number(edge.slice(1)) % 60_000)}`,
  appliedSeq: 0,
  ...(weight === undefined ? {} : { weight }),
  load: { requestsPerSec: 0, errorRate: 0 },
});

test('control plane: a heartbeat weight out of range is 400 naming weight', async () => {
  const h = await startControlPlane();
  try {
    await h.register('e1');
    for (const weight of ABSURD) {
      const reply = await h.send('POST', '/heartbeats', heartbeat('e1', 'r1', weight));
      assert.is(reply.status, 400, `weight ${weight}`);
      assert.is(reply.body.field, 'weight');
    }
  } finally {
    await h.close();
  }
});

test('control plane: a region stops growing at 1,000 members; other regions and known members carry on', async () => {
  const h = await startControlPlane();
  try {
    // An edge is known once it has opened its stream (#13); only then do its reports count.
    for (let i = 0; i <= MAX_RING_MEMBERS; i++) await h.register(`e${i}`);
    for (let i = 0; i < MAX_RING_MEMBERS; i++) {
      const reply = await h.send('POST', '/heartbeats', heartbeat(`e${i}`, 'big'));
      assert.is(reply.status, 200, `e${i}`);
    }
    const refused = await h.send('POST', '/heartbeats', heartbeat(`e${MAX_RING_MEMBERS}`, 'big'));
    assert.is(refused.status, 503);
    assert.match(refused.body.error, /region big already has 1000 edges/);
    assert.is((await h.send('POST', '/heartbeats', heartbeat('e0', 'big'))).status, 200, 'a member keeps heartbeating');
    assert.is((await h.send('POST', '/heartbeats', heartbeat(`e${MAX_RING_MEMBERS}`, 'small'))).status, 200, 'another region');
  } finally {
    await h.close();
  }
});

test('a membership pushed to an edge out of bounds is refused whole (the check the control client makes)', () => {
  assert.is(ringBoundsProblem(members(MAX_RING_MEMBERS)), undefined);
  assert.match(ringBoundsProblem(members(MAX_RING_MEMBERS + 1))!, /^members: a ring has at most 1000 members, got 1001$/);
  for (const weight of ABSURD) assert.match(ringBoundsProblem(members(2, weight))!, /^members\.e0\.weight: /);
  assert.match(ringBoundsProblem(members(2, Number.NaN))!, /weight/);
});

test('the largest ring allowed has a bounded number of points; beyond it the Ring refuses', () => {
  const largest = new Ring(members(MAX_RING_MEMBERS, MAX_RING_WEIGHT));
  assert.ok(largest.pointCount <= MAX_RING_POINTS + MAX_RING_MEMBERS, `${largest.pointCount} points`);
  assert.ok(largest.pointCount >= MAX_RING_MEMBERS, 'every member has a point');
  // Mixed weights: a weight-1 member among weight-100 ones still owns a point.
  const mixed = new Ring([...members(MAX_RING_MEMBERS - 1, MAX_RING_WEIGHT), { id: 'small', url: 'http://127.0.0.1:1', weight: 1 }]);
  assert.ok(mixed.pointCount <= MAX_RING_POINTS + MAX_RING_MEMBERS);
  assert.throws(() => new Ring(members(2, MAX_RING_WEIGHT + 1)), /weight/);
  assert.throws(() => new Ring(members(MAX_RING_MEMBERS + 1)), /at most 1000 members/);
  // Small rings are unchanged: 2,000 points per unit of weight.
  assert.ok(new Ring(members(3)).pointCount > 5_990);
});

test.run();
