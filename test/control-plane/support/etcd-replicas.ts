/**
 * Control-plane replicas of the etcd store on one in-memory etcd, in one process, on one virtual
 * clock: each with its purge log, shared edge reports and shared lease records wired as serve.ts
 * wires them. `run(ms)` moves time in 100 ms steps and lets the promises settle between them.
 */
import type { ControlEvent } from '../../../common/control-protocol.js';
import type { Logger } from '../../../common/ports.js';
import { controlPlaneConfigWithDefaults } from '../../../control-plane/config.js';
import { ControlPlane, roleFor, type ApiResponse } from '../../../control-plane/control-plane.js';
import { Credentials } from '../../../control-plane/credentials.js';
import { ETCD_LOG_DEFAULTS, EtcdPurgeLog } from '../../../control-plane/etcd/etcd-purge-log.js';
import { SHARED_LEASES_DEFAULTS, SharedLeases } from '../../../control-plane/etcd/shared-leases.js';
import { SHARED_REPORTS_DEFAULTS, SharedEdgeReports } from '../../../control-plane/etcd/shared-edge-reports.js';
import type { StreamSink } from '../../../control-plane/streams.js';
import { FakeClock } from '../../support/fake-clock.js';
import { ManualTimers } from './manual-timers.js';
import { MemoryEtcd } from './memory-etcd.js';

const quiet: Logger = { log: () => undefined };
export const RIG_ADMIN_TOKEN = 'shared-reports-token-0123';
export const RIG_EDGE_TOKEN = 'shared-reports-edge-token-4567';

async function settle(rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

export type Replica = Awaited<ReturnType<ReturnType<typeof etcdReplicas>['replica']>>;

export function etcdReplicas() {
  const etcd = new MemoryEtcd();
  const clock = new FakeClock();
  const timers = new ManualTimers(clock);
  const config = controlPlaneConfigWithDefaults({ token: RIG_ADMIN_TOKEN, health: { membershipAfterMs: 0 } });
  const replica = async (id: string, options: { shareLeases?: boolean } = {}) => {
    const kv = etcd.client();
    const ports = { kv, timers, logger: quiet, monoMs: () => clock.monoMs() };
    const log = await EtcdPurgeLog.open({ kv, clock, timers, logger: quiet }, { ...ETCD_LOG_DEFAULTS, prefix: '/t/', replicaId: id, incarnation: 'i', retainCount: 1000, maxPendingAppends: 1000, newLogId: () => 'shared-log' });
    const reports = new SharedEdgeReports(ports, { ...SHARED_REPORTS_DEFAULTS, prefix: '/t/', replicaId: id });
    const leases = options.shareLeases === false ? undefined : new SharedLeases(ports, { ...SHARED_LEASES_DEFAULTS, prefix: '/t/', replicaId: id, leaseMs: config.leaseMs, leaseGraceMs: config.leaseGraceMs });
    const cp = new ControlPlane({ clock, timers, log, logger: quiet, config, credentials: new Credentials({ admin: [RIG_ADMIN_TOKEN], edge: [RIG_EDGE_TOKEN] }), reports, ...(leases === undefined ? {} : { leases }) });
    await reports.start((report) => cp.applyRemoteReport(report));
    await leases?.start((grant) => cp.applyRemoteLease(grant));
    const call = (method: string, target: string, body?: unknown): Promise<ApiResponse> =>
      cp.handle({ method, target, headers: { authorization: `Bearer ${roleFor(target.split('?')[0]!) === 'edge' ? RIG_EDGE_TOKEN : RIG_ADMIN_TOKEN}` }, body: body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body)) });
    const close = async () => {
      cp.close();
      leases?.close();
      await reports.close();
      await log.close();
    };
    /** Edges are known once they open a stream (reports from any other id are refused). */
    const openStream = (edge: string, sink: StreamSink = { write: () => true, end: () => undefined }, query = '') =>
      cp.openStream({ method: 'GET', target: `/stream?edge=${edge}${query}`, headers: { authorization: `Bearer ${RIG_EDGE_TOKEN}` } }, sink);
    /** A stream whose events land in the returned array; `after`: the edge resumes after that seq of this log. */
    const recordStream = (edge: string, after?: number) => {
      const events: ControlEvent[] = [];
      const query = after === undefined ? '' : `&after=${after}&log=${log.logId()}`;
      const opened = openStream(edge, { write: (e) => (events.push(e), true), end: () => undefined }, query);
      if (opened.kind !== 'stream') throw new Error(`stream for ${edge} refused: ${JSON.stringify(opened.response.body)}`);
      return { events, session: opened.session };
    };
    return { id, cp, log, reports, leases, call, close, openStream, recordStream };
  };
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      timers.advance(100);
      await settle(5);
    }
  };
  return { etcd, clock, config, replica, run };
}
