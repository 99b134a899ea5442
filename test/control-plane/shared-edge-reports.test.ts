/**
 * Two control-plane replicas on one (in-memory) etcd: an edge heartbeats and acks to replica A
 * only, and replica B's receipts, /edges and membership know it; keys hang off the publishing
 * replica's lease and go when it does.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Logger } from '../../common/ports.js';
import { controlPlaneConfigWithDefaults } from '../../control-plane/config.js';
import { ControlPlane, roleFor, type ApiResponse } from '../../control-plane/control-plane.js';
import { Credentials } from '../../control-plane/credentials.js';
import { ETCD_LOG_DEFAULTS, EtcdPurgeLog } from '../../control-plane/etcd/etcd-purge-log.js';
import { SHARED_REPORTS_DEFAULTS, SharedEdgeReports } from '../../control-plane/etcd/shared-edge-reports.js';
import { FakeClock } from '../support/fake-clock.js';
import { ManualTimers } from './support/manual-timers.js';
import { MemoryEtcd } from './support/memory-etcd.js';

const quiet: Logger = { log: () => undefined };
const TOKEN = 'shared-reports-token-0123';
const EDGE_TOKEN = 'shared-reports-edge-token-4567';

async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function setup() {
  const etcd = new MemoryEtcd();
  const clock = new FakeClock();
  const timers = new ManualTimers(clock);
  const config = controlPlaneConfigWithDefaults({ token: TOKEN, health: { membershipAfterMs: 0 } });
  const replica = async (id: string) => {
    const kv = etcd.client();
    const log = await EtcdPurgeLog.open({ kv, clock, timers, logger: quiet }, { ...ETCD_LOG_DEFAULTS, prefix: '/t/', replicaId: id, incarnation: 'i', retainCount: 1000, maxPendingAppends: 1000, newLogId: () => 'shared-log' });
    const reports = new SharedEdgeReports({ kv, timers, logger: quiet, monoMs: () => clock.monoMs() }, { ...SHARED_REPORTS_DEFAULTS, prefix: '/t/', replicaId: id });
    const cp = new ControlPlane({ clock, timers, log, logger: quiet, config, credentials: new Credentials({ admin: [TOKEN], edge: [EDGE_TOKEN] }), reports });
    await reports.start((report) => cp.applyRemoteReport(report));
    const call = (method: string, target: string, body?: unknown): Promise<ApiResponse> =>
      cp.handle({ method, target, headers: { authorization: `Bearer ${roleFor(target.split('?')[0]!) === 'edge' ? EDGE_TOKEN : TOKEN}` }, body: body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body)) });
    const close = async () => {
      cp.close();
      await reports.close();
      await log.close();
    };
    /** Edges are known once they open a stream (reports from any other id are refused). */
    const openStream = (edge: string) =>
      cp.openStream({ method: 'GET', target: `/stream?edge=${edge}`, headers: { authorization: `Bearer ${EDGE_TOKEN}` } }, { write: () => true, end: () => undefined });
    return { cp, log, reports, call, close, openStream };
  };
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      timers.advance(100);
      await settle(5);
    }
  };
  return { etcd, clock, replica, run };
}

test('an edge that reports to replica A only is known to replica B: receipt, /edges and applied seq', async () => {
  const { replica, run } = await setup();
  const [a, b] = [await replica('a'), await replica('b')];
  const accepted = await a.call('POST', '/purges', { kind: 'url', values: ['example.com/x'] });
  assert.is(accepted.status, 202);
  const { id } = accepted.body as { id: string };
  assert.is(a.openStream('e1').kind, 'stream');
  const hb = await a.call('POST', '/heartbeats', { edge: 'e1', region: 'r1', url: 'http://127.0.0.1:8081', appliedSeq: 0, load: { requestsPerSec: 0, errorRate: 0 } });
  assert.is(hb.status, 200);
  assert.is((await a.call('POST', '/acks', { edge: 'e1', appliedSeq: 1 })).status, 200);
  await run(500);
  const edges = (await b.call('GET', '/edges')).body as { edges: Array<{ id: string; appliedSeq: number; url: string; health: string }> };
  assert.equal(edges.edges.map((e) => [e.id, e.appliedSeq, e.url, e.health]), [['e1', 1, 'http://127.0.0.1:8081', 'healthy']]);
  // B did not create the log, so its receipts stay pending until leases A might have granted ran out.
  await run(13_000);
  const receipt = (await b.call('GET', `/purges/${id}`)).body as { state: string; edges: Array<{ edge: string; applied: boolean }> };
  assert.equal(receipt.edges.map((e) => [e.edge, e.applied]), [['e1', true]]);
  assert.is(receipt.state, 'complete');
  await Promise.all([a.close(), b.close()]);
});

test('a report ahead of the receiving replica\'s log is still taken (it may lag the shared log)', async () => {
  const { replica, run } = await setup();
  const [a, b] = [await replica('a'), await replica('b')];
  b.cp.applyRemoteReport({ edge: 'e9', appliedSeq: 50 });
  await run(200);
  const edges = (await b.call('GET', '/edges')).body as { edges: Array<{ id: string; appliedSeq: number }> };
  assert.equal(edges.edges.map((e) => [e.id, e.appliedSeq]), [['e9', 50]]);
  await Promise.all([a.close(), b.close()]);
});

test('published reports hang off the publishing replica\'s lease: gone from etcd when it closes', async () => {
  const { etcd, replica, run } = await setup();
  const a = await replica('a');
  a.openStream('e1');
  await a.call('POST', '/heartbeats', { edge: 'e1', region: 'r1', url: 'http://127.0.0.1:8081', appliedSeq: 0, load: { requestsPerSec: 0, errorRate: 0 } });
  await run(500);
  assert.ok(etcd.data.has('/t/edges/e1'));
  await a.close();
  assert.not.ok(etcd.data.has('/t/edges/e1'));
});

test.run();
