/**
 * Opens the etcd store (`--store etcd`): the client over `--etcd-endpoints`, the shared purge log,
 * the forwarder to the leader replica, the shared edge reports and the shared lease records. serve.ts opens the file store
 * itself.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ConfigError } from '../../common/config-loader.js';
import type { Clock, Logger, Timers } from '../../common/ports.js';
import type { ControlPlaneConfig } from '../config.js';
import { ETCD_LOG_DEFAULTS, EtcdPurgeLog } from '../etcd/etcd-purge-log.js';
import { PurgeLogError, type PurgeLog } from '../purge-log.js';
import { SHARED_REPORTS_DEFAULTS, SharedEdgeReports } from '../etcd/shared-edge-reports.js';
import { SHARED_LEASES_DEFAULTS, SharedLeases } from '../etcd/shared-leases.js';
import { EtcdClient } from './etcd-client.js';
import { createPurgeForwarder } from './forward-purge.js';

export interface OpenedStore {
  log: PurgeLog;
  /** Where the log lives, for the start-up log line. */
  where: string;
  /** etcd store: call once listening, with the URL other replicas forward purges to. */
  advertise?(url: string): void;
  /** etcd store: edge reports shared between replicas; start it once the ControlPlane exists. */
  reports?: SharedEdgeReports;
  /** etcd store: lease grants shared between replicas; start it once the ControlPlane exists. */
  leases?: SharedLeases;
  /** Closes the log, then whatever it runs on. */
  close(): Promise<void>;
}

export async function openEtcdPurgeLog(config: ControlPlaneConfig, ports: { clock: Clock; timers: Timers; logger: Logger }, token: string): Promise<OpenedStore> {
  const newLogId = (): string => randomBytes(8).toString('hex');
  const { etcd } = config;
  if (etcd.endpoints.length === 0) throw new ConfigError('etcd.endpoints: is required with --store etcd (set --etcd-endpoints or CONTROL_PLANE_ETCD_ENDPOINTS)');
  const kv = new EtcdClient({ endpoints: etcd.endpoints, requestTimeoutMs: etcd.requestTimeoutMs });
  // Long enough to outlast an etcd leader election on the leader's side.
  const forwarder = createPurgeForwarder(token, 30_000, config.limits.maxBodyBytes);
  // Host and pid say where the replica runs; the suffix keeps a restarted one from looking like its predecessor.
  const replicaId = etcd.replicaId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    const log = await EtcdPurgeLog.open(
      { kv, ...ports, forward: forwarder.forward },
      {
        ...ETCD_LOG_DEFAULTS,
        prefix: etcd.prefix,
        replicaId,
        incarnation: randomBytes(6).toString('hex'),
        retainCount: config.log.retainCount,
        maxPendingAppends: config.log.maxPendingAppends,
        maxBatchRecords: etcd.maxBatchRecords,
        maxTxnsInFlight: etcd.maxTxnsInFlight,
        leaderTtlSeconds: etcd.leaderTtlSeconds,
        compactIntervalMs: etcd.compactIntervalMs,
        freshWithinMs: etcd.freshWithinMs,
        newLogId,
      },
    );
    const reports = new SharedEdgeReports({ kv, timers: ports.timers, logger: ports.logger, monoMs: () => ports.clock.monoMs() }, { ...SHARED_REPORTS_DEFAULTS, prefix: etcd.prefix, replicaId });
    const leases = new SharedLeases(
      { kv, timers: ports.timers, logger: ports.logger, monoMs: () => ports.clock.monoMs() },
      { ...SHARED_LEASES_DEFAULTS, prefix: etcd.prefix, replicaId, leaseMs: config.leaseMs, leaseGraceMs: config.leaseGraceMs },
    );
    return {
      log,
      reports,
      leases,
      advertise: (url) => log.advertise(etcd.advertiseUrl ?? url),
      where: `etcd ${etcd.endpoints.join(',')} ${etcd.prefix} as replica ${replicaId}`,
      close: async () => {
        leases.close();
        await reports.close();
        await log.close();
        await forwarder.close();
        await kv.close();
      },
    };
  } catch (err) {
    await kv.close();
    await forwarder.close();
    if (err instanceof PurgeLogError) throw new ConfigError(`etcd.endpoints: ${err.message}`);
    throw err;
  }
}
