/**
 * EdgeCopies: which copy each edge holds, as membership-origin needs it to ask whether a moved
 * key's previous owner could have answered a handoff.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EdgeCopies } from '../../../sim/checkers/edge-copies.js';
import type { HistoryRecord } from '../../../sim/history.js';

const regions = new Map([['r1-e1', 'r1'], ['r1-e2', 'r1'], ['r2-e1', 'r2']]);
const origin = (t: number, from: string, key = '/o/1'): HistoryRecord => ({ type: 'origin', t, from, key, method: 'GET', status: 200, version: 1, conditional: false, lifetimeMs: 10_000 });
const peer = (t: number, node: string, from: string, detail: string | undefined, method = 'GET', status = 200): HistoryRecord => ({
  type: 'request', t, arrivedMs: t, node, region: 'r1', role: 'peer', from, key: '/o/1', method, status, kind: 'hit', ...(detail === undefined ? {} : { detail }), version: 1, bytes: 1, truncated: false, latencyMs: 0,
});

test('edge-copies: the origin, a peer answer and a stored push give copies', () => {
  const c = new EdgeCopies(regions);
  c.record(origin(100, 'r1-e1'));
  c.record(peer(300, 'r1-e1', 'r1-e2', 'handoff'));
  assert.equal(c.get('r1-e2', '/o/1'), { fromOriginAt: 100, freshUntil: 10_100 }, "the previous owner's copy, with its lifetime");
  const p = new EdgeCopies(regions);
  p.record(origin(100, 'r1-e1'));
  p.record(peer(300, 'r1-e2', 'r1-e1', 'handover-stored', 'PUT', 201));
  assert.equal(p.get('r1-e2', '/o/1'), { fromOriginAt: 100, freshUntil: 10_100 });
  p.record(peer(300, 'r2-e1', 'r1-e1', 'already-stored', 'PUT', 409));
  assert.is(p.get('r2-e1', '/o/1'), undefined, 'a refused push gives nothing');
});

test('edge-copies: a crash or a restart empties the edge', () => {
  const c = new EdgeCopies(regions);
  c.record(origin(100, 'r1-e1'));
  c.record(origin(100, 'r1-e2'));
  c.record({ type: 'fault', t: 200, kind: 'restart', detail: 'node:r1-e1 graceful' });
  assert.is(c.get('r1-e1', '/o/1'), undefined);
  assert.ok(c.get('r1-e2', '/o/1'));
  c.record({ type: 'fault', t: 300, kind: 'crash', detail: 'region:r1' });
  assert.is(c.get('r1-e2', '/o/1'), undefined);
});

test.run();
