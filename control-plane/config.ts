/** The control plane's configuration: one typebox schema for file, env and flags, with documented defaults. */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FlagSpec } from '../common/config-loader.js';

const MiB = 1024 * 1024;

/** `store: etcd` settings; see control-plane/etcd/etcd-purge-log.ts for what each one bounds. */
const EtcdStoreConfigSchema = Type.Object(
  {
    endpoints: Type.Array(Type.String({ pattern: '^https?://[^/?#\\s]+$' }), { default: [], description: 'etcd client URLs without a path, e.g. http://127.0.0.1:2379' }),
    /** Every key of the log starts with this; one prefix per region's log. */
    prefix: Type.String({ default: '/edgeworks/default/', pattern: '^/[^\\s]*/$', description: 'a key prefix that starts and ends with /' }),
    /** Names this replica in etcd (leader key, batch tags); default: host:port and a random suffix. */
    replicaId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$', description: 'letters, digits, dot, colon, dash or underscore' })),
    /** Where other replicas forward purges to this one when it leads; default http://host:port as bound. */
    advertiseUrl: Type.Optional(Type.String({ pattern: '^https?://[^/?#\\s]+$', description: 'this replica\'s base URL as the other replicas reach it' })),
    /**
     * A call etcd has not answered by then is retried (writes with the same numbering): etcd itself
     * holds a proposal lost with a dead leader for 5 s + 2 election timeouts. A write is given up
     * sooner, within 250 ms of etcd electing a new leader (adapters/etcd-client.ts, etcd/term-guard.ts).
     */
    requestTimeoutMs: Type.Integer({ default: 2_000, minimum: 100 }),
    maxBatchRecords: Type.Integer({ default: 100, minimum: 1, maximum: 127 }),
    /** Append transactions the leader keeps in flight at once (each compares on the last-seq its predecessor writes). */
    maxTxnsInFlight: Type.Integer({ default: 4, minimum: 1, maximum: 64 }),
    leaderTtlSeconds: Type.Integer({ default: 3, minimum: 1 }),
    compactIntervalMs: Type.Integer({ default: 300_000, minimum: 1_000 }),
    freshWithinMs: Type.Integer({ default: 1_500, minimum: 100 }),
  },
  { default: {}, additionalProperties: false },
);

export const ControlPlaneConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1 }),
    port: Type.Integer({ default: 9000, minimum: 0, maximum: 65535 }),
    /** Holds `purges.log`; created when missing. Required with `store: file`. */
    dataDir: Type.Optional(Type.String({ minLength: 1, description: 'a directory for the purge log' })),
    /** `file`: one process, the log in dataDir. `etcd`: several replicas share one log in etcd. */
    store: Type.Union([Type.Literal('file'), Type.Literal('etcd')], { default: 'file', description: 'one of file, etcd' }),
    etcd: EtcdStoreConfigSchema,
    /** Admin token (purges, receipts, edges, regions, metrics). Absent (and no tokenFile): generated and printed at start. */
    token: Type.Optional(Type.String({ minLength: 16, pattern: '^[\\x21-\\x7e]+$', description: 'a bearer token of at least 16 visible ASCII characters' })),
    /** Edge token (stream, acks, heartbeats). Absent (and no tokenFile): generated and printed at start. */
    edgeToken: Type.Optional(Type.String({ minLength: 16, pattern: '^[\\x21-\\x7e]+$', description: 'a bearer token of at least 16 visible ASCII characters' })),
    /** `admin <token>` and `edge <token>` lines; re-read on SIGHUP. Excludes token and edgeToken. */
    tokenFile: Type.Optional(Type.String({ minLength: 1, description: 'a path to a token file' })),
    /** A retried POST /purges with the same Idempotency-Key within this long gets the first answer. */
    idempotencyWindowMs: Type.Integer({ default: 86_400_000, minimum: 0 }),
    /** How long one lease grant lets an edge serve without revalidating; renewed every leaseMs/3. */
    leaseMs: Type.Integer({ default: 10_000, minimum: 30 }),
    /** Extra time the control plane waits past a lease's end before counting it expired (delivery delay, clock drift). */
    leaseGraceMs: Type.Integer({ default: 2_000, minimum: 0 }),
    /** Interval edges are asked (in `hello`) to heartbeat at. */
    heartbeatIntervalMs: Type.Integer({ default: 1_000, minimum: 10 }),
    health: Type.Object(
      {
        degradedAfterMs: Type.Integer({ default: 3_000, minimum: 1 }),
        downAfterMs: Type.Integer({ default: 10_000, minimum: 1 }),
        degradedErrorRate: Type.Number({ default: 0.05, minimum: 0, maximum: 1 }),
        downErrorRate: Type.Number({ default: 0.5, minimum: 0, maximum: 1 }),
        minRequestsPerSec: Type.Number({ default: 5, minimum: 0 }),
        /** Membership is pushed only this long after start, once edges have had time to heartbeat. */
        membershipAfterMs: Type.Integer({ default: 3_000, minimum: 0 }),
        /** How often health is re-derived and changed membership pushed to streams. */
        checkIntervalMs: Type.Integer({ default: 1_000, minimum: 10 }),
      },
      { default: {}, additionalProperties: false },
    ),
    log: Type.Object(
      {
        /** Purges kept for replay; an edge further behind flushes (purge-all). */
        retainCount: Type.Integer({ default: 100_000, minimum: 1 }),
        /** Purges waiting for the next fsync beyond this get 503. */
        maxPendingAppends: Type.Integer({ default: 50_000, minimum: 1 }),
      },
      { default: {}, additionalProperties: false },
    ),
    limits: Type.Object(
      {
        /** Largest POST /purges body (read only after the token checked out). */
        maxBodyBytes: Type.Integer({ default: 1 * MiB, minimum: 256 }),
        /** Largest ack or heartbeat body. */
        maxReportBodyBytes: Type.Integer({ default: 4096, minimum: 256 }),
        /** Time allowed from connection (or the end of the previous answer) to a request's complete headers. */
        headersTimeoutMs: Type.Integer({ default: 10_000, minimum: 1 }),
        /** Time allowed to receive a whole request body. */
        bodyTimeoutMs: Type.Integer({ default: 10_000, minimum: 1 }),
        /** Largest request head (request line + headers); node:http answers 431 past it. */
        maxHeaderBytes: Type.Integer({ default: 16_384, minimum: 1024 }),
        maxValuesPerPurge: Type.Integer({ default: 1_000, minimum: 1 }),
        maxStreams: Type.Integer({ default: 1_000, minimum: 1 }),
        maxEdges: Type.Integer({ default: 10_000, minimum: 1 }),
        /** Ack times and lease gaps kept per edge for receipts. */
        historyPerEdge: Type.Integer({ default: 10_000, minimum: 1 }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** An edge not heard from (no stream, heartbeat or ack) this long leaves membership and receipts. */
    forgetEdgeAfterMs: Type.Integer({ default: 600_000, minimum: 1 }),
    shutdownGraceMs: Type.Integer({ default: 5_000, minimum: 0 }),
    logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info', description: 'one of debug, info, warn, error' }),
  },
  { additionalProperties: false },
);

export type ControlPlaneConfig = Static<typeof ControlPlaneConfigSchema>;

export const CONTROL_PLANE_FLAGS: readonly FlagSpec[] = [
  { flag: 'port', field: 'port', type: 'integer', env: 'CONTROL_PLANE_PORT', help: 'port for the admin API and streams, 0 for any (default 9000)' },
  { flag: 'host', field: 'host', type: 'string', env: 'CONTROL_PLANE_HOST', help: 'address to bind (default 127.0.0.1)' },
  { flag: 'data-dir', field: 'dataDir', type: 'string', env: 'CONTROL_PLANE_DATA_DIR', help: 'directory for the durable purge log (required)' },
  { flag: 'store', field: 'store', type: 'string', env: 'CONTROL_PLANE_STORE', help: 'file (one process, log in --data-dir) or etcd (replicas sharing --etcd-endpoints) (default file)' },
  { flag: 'etcd-endpoints', field: 'etcd.endpoints', type: 'string', env: 'CONTROL_PLANE_ETCD_ENDPOINTS', parse: (raw) => raw.split(',').map((s) => s.trim()).filter((s) => s !== ''), help: 'etcd client URLs, comma-separated (required with --store etcd)' },
  { flag: 'etcd-prefix', field: 'etcd.prefix', type: 'string', env: 'CONTROL_PLANE_ETCD_PREFIX', help: 'key prefix of the shared log (default /edgeworks/default/)' },
  { flag: 'advertise-url', field: 'etcd.advertiseUrl', type: 'string', env: 'CONTROL_PLANE_ADVERTISE_URL', help: 'etcd store: this replica\'s URL for purges forwarded by the others (default http://host:port)' },
  { flag: 'replica-id', field: 'etcd.replicaId', type: 'string', env: 'CONTROL_PLANE_REPLICA_ID', help: 'this replica\'s name in etcd (default: generated)' },
  { flag: 'token', field: 'token', type: 'string', env: 'CONTROL_PLANE_TOKEN', help: 'admin bearer token, >= 16 chars: purges, receipts, edges, regions, metrics (default: generated, printed)' },
  { flag: 'edge-token', field: 'edgeToken', type: 'string', env: 'CONTROL_PLANE_EDGE_TOKEN', help: 'edge bearer token, >= 16 chars: stream, acks, heartbeats (default: generated, printed)' },
  { flag: 'token-file', field: 'tokenFile', type: 'string', env: 'CONTROL_PLANE_TOKEN_FILE', help: 'file of "admin <token>" and "edge <token>" lines, re-read on SIGHUP (instead of --token/--edge-token)' },
  { flag: 'idempotency-window-ms', field: 'idempotencyWindowMs', type: 'integer', env: 'CONTROL_PLANE_IDEMPOTENCY_WINDOW_MS', help: 'a POST /purges retried with the same Idempotency-Key this long gets the first answer (default 86400000)' },
  { flag: 'headers-timeout-ms', field: 'limits.headersTimeoutMs', type: 'integer', env: 'CONTROL_PLANE_HEADERS_TIMEOUT_MS', help: 'time allowed for a request\'s headers (default 10000)' },
  { flag: 'body-timeout-ms', field: 'limits.bodyTimeoutMs', type: 'integer', env: 'CONTROL_PLANE_BODY_TIMEOUT_MS', help: 'time allowed for a request\'s body (default 10000)' },
  { flag: 'lease-ms', field: 'leaseMs', type: 'integer', env: 'CONTROL_PLANE_LEASE_MS', help: 'lease length granted to edges (default 10000)' },
  { flag: 'lease-grace-ms', field: 'leaseGraceMs', type: 'integer', env: 'CONTROL_PLANE_LEASE_GRACE_MS', help: 'wait past a lease end before counting it expired (default 2000)' },
  { flag: 'heartbeat-interval-ms', field: 'heartbeatIntervalMs', type: 'integer', env: 'CONTROL_PLANE_HEARTBEAT_INTERVAL_MS', help: 'heartbeat interval asked of edges (default 1000)' },
  { flag: 'degraded-after-ms', field: 'health.degradedAfterMs', type: 'integer', env: 'CONTROL_PLANE_DEGRADED_AFTER_MS', help: 'heartbeat age that makes an edge degraded (default 3000)' },
  { flag: 'down-after-ms', field: 'health.downAfterMs', type: 'integer', env: 'CONTROL_PLANE_DOWN_AFTER_MS', help: 'heartbeat age that makes an edge down (default 10000)' },
  { flag: 'degraded-error-rate', field: 'health.degradedErrorRate', type: 'number', env: 'CONTROL_PLANE_DEGRADED_ERROR_RATE', help: 'error rate that makes an edge degraded (default 0.05)' },
  { flag: 'down-error-rate', field: 'health.downErrorRate', type: 'number', env: 'CONTROL_PLANE_DOWN_ERROR_RATE', help: 'error rate that makes an edge down (default 0.5)' },
  { flag: 'retain-count', field: 'log.retainCount', type: 'integer', env: 'CONTROL_PLANE_RETAIN_COUNT', help: 'purges kept for replay; older readers flush (default 100000)' },
  { flag: 'max-body-bytes', field: 'limits.maxBodyBytes', type: 'integer', env: 'CONTROL_PLANE_MAX_BODY_BYTES', help: 'largest request body (default 1048576)' },
  { flag: 'max-values-per-purge', field: 'limits.maxValuesPerPurge', type: 'integer', env: 'CONTROL_PLANE_MAX_VALUES_PER_PURGE', help: 'most values in one purge (default 1000)' },
  { flag: 'max-streams', field: 'limits.maxStreams', type: 'integer', env: 'CONTROL_PLANE_MAX_STREAMS', help: 'most concurrent edge streams (default 1000)' },
  { flag: 'max-edges', field: 'limits.maxEdges', type: 'integer', env: 'CONTROL_PLANE_MAX_EDGES', help: 'most edges tracked (default 10000)' },
  { flag: 'log-level', field: 'logLevel', type: 'string', env: 'CONTROL_PLANE_LOG_LEVEL', help: 'debug, info, warn or error (default info)' },
];

/** Fills defaults into a partial config and validates it (tests, simulator). Throws when invalid. */
export type ControlPlaneConfigInput = {
  [K in keyof ControlPlaneConfig]?: ControlPlaneConfig[K] extends object ? Partial<ControlPlaneConfig[K]> : ControlPlaneConfig[K];
};

export function controlPlaneConfigWithDefaults(partial: ControlPlaneConfigInput = {}): ControlPlaneConfig {
  const config = Value.Default(ControlPlaneConfigSchema, structuredClone({ dataDir: '(memory)', ...partial }));
  const error = Value.Errors(ControlPlaneConfigSchema, config).First();
  if (error !== undefined) throw new Error(`control-plane config ${error.path || '(root)'}: ${error.message}`);
  return config as ControlPlaneConfig;
}
