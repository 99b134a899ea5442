/** The edge's configuration: one typebox schema for the file, env and flags, with documented defaults. */
import { Type, type Static } from '@sinclair/typebox';
import type { FlagSpec } from '../common/config-loader.js';
import { MAX_RING_MEMBERS, RING_MEMBERS_ARRAY, ringWeightSchema } from '../common/ring-bounds.js';
import { DEFAULT_PEER_AUTH_WINDOW_MS, MIN_PEER_SECRET_CHARS } from './routing/peer-auth.js';
import { ACCESS_LOG_FLAGS, AccessLogConfigSchema } from './access-log/config.js';
import { COMPRESS_FLAGS, CompressConfigSchema } from './compression-config.js';
import { Http2LimitsSchema, TLS_FLAGS, TlsConfigSchema } from './adapters/tls/config.js';

const MiB = 1024 * 1024;

/** One ring member, as in --peers, the config file and PUT /membership on the admin port. */
export const PeerSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9._-]+$', description: 'a name of letters, digits, dot, dash or underscore' }),
    url: Type.String({ pattern: '^https?://[^/?#]+$', description: 'a peer base URL without a path, e.g. http://127.0.0.1:8082' }),
    weight: ringWeightSchema({ default: 1 }),
  },
  { additionalProperties: false },
);

/** Body of PUT /membership on the admin port. */
export const MembershipSchema = Type.Object({ members: Type.Array(PeerSchema, { minItems: 1, ...RING_MEMBERS_ARRAY }) }, { additionalProperties: false });

export const EdgeConfigSchema = Type.Object(
  {
    id: Type.String({ default: 'edgeworks', pattern: '^[A-Za-z0-9._-]+$', description: 'a name of letters, digits, dot, dash or underscore' }),
    host: Type.String({ default: '127.0.0.1', minLength: 1 }),
    port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
    /** Absent: no HTTPS listener. Served beside `port`, on the same host. */
    httpsPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    tls: TlsConfigSchema,
    http2: Http2LimitsSchema,
    origin: Type.String({ pattern: '^https?://[^/?#]+$', description: 'an origin base URL without a path, e.g. http://127.0.0.1:8000' }),
    admin: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1', minLength: 1 }),
        /** Absent: no admin server. */
        port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
        /** Absent: a random token is generated and printed at start. */
        token: Type.Optional(Type.String({ minLength: 16 })),
      },
      { default: {}, additionalProperties: false },
    ),
    cache: Type.Object(
      {
        maxBytes: Type.Integer({ default: 256 * MiB, minimum: 1024 }),
        maxObjectBytes: Type.Integer({ default: 8 * MiB, minimum: 1 }),
        setCookie: Type.Union([Type.Literal('bypass'), Type.Literal('strip'), Type.Literal('store')], { default: 'bypass', description: 'one of bypass, strip, store' }),
        heuristicFraction: Type.Number({ default: 0.1, minimum: 0, maximum: 1 }),
        heuristicMaxSeconds: Type.Integer({ default: 86_400, minimum: 0 }),
        staleIfErrorDefaultSeconds: Type.Integer({ default: 60, minimum: 0 }),
        ignoreRequestCacheControl: Type.Boolean({ default: false }),
      },
      { default: {}, additionalProperties: false },
    ),
    originTimeouts: Type.Object(
      {
        connectMs: Type.Integer({ default: 2_000, minimum: 1 }),
        headersMs: Type.Integer({ default: 15_000, minimum: 1 }),
        bodyIdleMs: Type.Integer({ default: 30_000, minimum: 1 }),
      },
      { default: {}, additionalProperties: false },
    ),
    keyHost: Type.Union([Type.Literal('origin'), Type.Literal('request')], {
      default: 'origin',
      description: 'origin (cache keys use the origin\'s authority) or request (the client\'s Host)',
    }),
    peers: Type.Array(PeerSchema, { default: [], ...RING_MEMBERS_ARRAY, description: `the ring members, this edge included: id=url[*weight],... (at most ${MAX_RING_MEMBERS})` }),
    cluster: Type.Object(
      {
        peerConnectTimeoutMs: Type.Integer({ default: 500, minimum: 1 }),
        peerHeadersTimeoutMs: Type.Integer({ default: 16_000, minimum: 1 }),
        peerBodyTimeoutMs: Type.Integer({ default: 30_000, minimum: 1 }),
        peerSuspectMs: Type.Integer({ default: 2_000, minimum: 1 }),
        peerMaxSuspectMs: Type.Integer({ default: 30_000, minimum: 1 }),
        hotKeyRequestsPerSecond: Type.Integer({ default: 100, minimum: 1 }),
        hotCacheFraction: Type.Number({ default: 0.1, minimum: 0, maximum: 0.5 }),
        handoffMs: Type.Integer({ default: 300_000, minimum: 0 }),
        /** Graceful leave: most recently used keys pushed to their new owners within shutdownGraceMs. */
        leavePushMaxKeys: Type.Integer({ default: 10_000, minimum: 0, maximum: 1_000_000 }),
        /** Graceful leave: body bytes pushed at most. */
        leavePushMaxBytes: Type.Integer({ default: 64 * MiB, minimum: 0 }),
      },
      { default: {}, additionalProperties: false },
    ),
    originProtection: Type.Object(
      {
        maxConnections: Type.Integer({ default: 256, minimum: 1, maximum: 100_000 }),
        maxQueued: Type.Integer({ default: 1_024, minimum: 0, maximum: 1_000_000 }),
        clientMissesPerSecond: Type.Number({ default: 50, minimum: 0 }),
        clientMissBurst: Type.Integer({ default: 200, minimum: 1 }),
        maxTrackedClients: Type.Integer({ default: 100_000, minimum: 1, maximum: 10_000_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    peerAuth: Type.Object(
      {
        mode: Type.Union([Type.Literal('off'), Type.Literal('accept'), Type.Literal('require')], {
          default: 'require',
          description: 'one of off, accept, require',
        }),
        /** Signs this edge's peer requests and verifies theirs; required with peers unless mode is off. */
        // No description: the loader would echo the rejected value, and this one is a secret.
        secret: Type.Optional(Type.String({ minLength: MIN_PEER_SECRET_CHARS })),
        /** Accepted as well, never used to sign: the other secret during a rotation. */
        acceptSecret: Type.Optional(Type.String({ minLength: MIN_PEER_SECRET_CHARS })),
        /** A file whose first line is the secret and optional second line the accepted one (read at start). */
        secretFile: Type.Optional(Type.String({ minLength: 1 })),
        windowMs: Type.Integer({ default: DEFAULT_PEER_AUTH_WINDOW_MS, minimum: 1_000, maximum: 3_600_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    alternateOrigin: Type.Optional(
      Type.String({ pattern: '^https?://[^/?#]+$', description: 'a base URL without a path: another origin, or another region\'s edge' }),
    ),
    region: Type.String({ default: 'default', pattern: '^[A-Za-z0-9._-]+$', description: 'a name of letters, digits, dot, dash or underscore' }),
    advertiseUrl: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+$', description: 'the URL peers and the control plane reach this edge at, e.g. http://10.0.0.5:8080' })),
    controlPlane: Type.Object(
      {
        /** Absent: no control plane; purges are not received and no lease is enforced. */
        /** Several replicas of one log: comma-separated; the edge moves to the next when one fails. */
        url: Type.Optional(Type.String({ pattern: '^https?://[^/?#,]+(,https?://[^/?#,]+)*$', description: 'control-plane base URLs without a path, comma-separated, e.g. http://127.0.0.1:9000,http://127.0.0.1:9001' })),
        token: Type.Optional(Type.String({ minLength: 16 })),
        streamIdleMs: Type.Integer({ default: 15_000, minimum: 100 }),
        reconnectMinMs: Type.Integer({ default: 100, minimum: 1 }),
        reconnectMaxMs: Type.Integer({ default: 5_000, minimum: 1 }),
        leaseExpiredServeStale: Type.Boolean({ default: false }),
      },
      { default: {}, additionalProperties: false },
    ),
    collapseWaitMs: Type.Integer({ default: 16_000, minimum: 1 }),
    shutdownGraceMs: Type.Integer({ default: 10_000, minimum: 0 }),
    keepAliveTimeoutMs: Type.Integer({ default: 5_000, minimum: 1 }),
    /** Client-side HTTP/1.1 layer: the strict own server (edge/adapters/http1/), or node:http for comparison. */
    httpServer: Type.Union([Type.Literal('own'), Type.Literal('node')], { default: 'own', description: 'one of own, node' }),
    logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info', description: 'one of debug, info, warn, error' }),
    accessLog: AccessLogConfigSchema,
    compress: CompressConfigSchema,
  },
  { additionalProperties: false },
);

export type EdgeConfig = Static<typeof EdgeConfigSchema>;

export const EDGE_FLAGS: readonly FlagSpec[] = [
  { flag: 'origin', field: 'origin', type: 'string', env: 'EDGE_ORIGIN', help: 'origin base URL, e.g. http://127.0.0.1:8000 (required)' },
  { flag: 'port', field: 'port', type: 'integer', env: 'EDGE_PORT', help: 'port to serve on (default 8080)' },
  { flag: 'host', field: 'host', type: 'string', env: 'EDGE_HOST', help: 'address to bind (default 127.0.0.1)' },
  { flag: 'id', field: 'id', type: 'string', env: 'EDGE_ID', help: 'this edge\'s name in Cache-Status and Via (default edgeworks)' },
  { flag: 'admin-port', field: 'admin.port', type: 'integer', env: 'EDGE_ADMIN_PORT', help: 'admin port for /metrics and /healthz (default: off)' },
  { flag: 'admin-host', field: 'admin.host', type: 'string', env: 'EDGE_ADMIN_HOST', help: 'admin bind address (default 127.0.0.1)' },
  { flag: 'admin-token', field: 'admin.token', type: 'string', env: 'EDGE_ADMIN_TOKEN', help: 'bearer token for the admin port, >= 16 chars (default: generated, printed)' },
  { flag: 'cache-max-bytes', field: 'cache.maxBytes', type: 'integer', env: 'EDGE_CACHE_MAX_BYTES', help: 'total bytes the cache may hold (default 268435456)' },
  { flag: 'max-object-bytes', field: 'cache.maxObjectBytes', type: 'integer', env: 'EDGE_MAX_OBJECT_BYTES', help: 'larger responses stream through uncached (default 8388608)' },
  { flag: 'set-cookie', field: 'cache.setCookie', type: 'string', env: 'EDGE_SET_COOKIE', help: 'responses with Set-Cookie: bypass (not stored), strip (stored without it) or store (default bypass)' },
  { flag: 'heuristic-fraction', field: 'cache.heuristicFraction', type: 'number', env: 'EDGE_HEURISTIC_FRACTION', help: 'heuristic lifetime as a fraction of Date - Last-Modified (default 0.1)' },
  { flag: 'heuristic-max-seconds', field: 'cache.heuristicMaxSeconds', type: 'integer', env: 'EDGE_HEURISTIC_MAX_SECONDS', help: 'cap on heuristic lifetimes (default 86400)' },
  { flag: 'stale-if-error-default-seconds', field: 'cache.staleIfErrorDefaultSeconds', type: 'integer', env: 'EDGE_STALE_IF_ERROR_DEFAULT_SECONDS', help: 'serve stale this long when the origin fails and nothing forbids it (default 60)' },
  { flag: 'ignore-request-cache-control', field: 'cache.ignoreRequestCacheControl', type: 'boolean', env: 'EDGE_IGNORE_REQUEST_CACHE_CONTROL', help: 'ignore client Cache-Control (no-cache, max-age=0) to shield the origin' },
  { flag: 'origin-connect-timeout-ms', field: 'originTimeouts.connectMs', type: 'integer', env: 'EDGE_ORIGIN_CONNECT_TIMEOUT_MS', help: 'origin connect timeout (default 2000)' },
  { flag: 'origin-headers-timeout-ms', field: 'originTimeouts.headersMs', type: 'integer', env: 'EDGE_ORIGIN_HEADERS_TIMEOUT_MS', help: 'time to the origin\'s response headers (default 15000)' },
  { flag: 'origin-body-timeout-ms', field: 'originTimeouts.bodyIdleMs', type: 'integer', env: 'EDGE_ORIGIN_BODY_TIMEOUT_MS', help: 'longest gap between origin body chunks (default 30000)' },
  { flag: 'peers', field: 'peers', type: 'string', env: 'EDGE_PEERS', parse: parsePeers, help: 'ring members incl. this edge: e1=http://127.0.0.1:8081,e2=...[*weight] (default: none, edge runs alone)' },
  { flag: 'key-host', field: 'keyHost', type: 'string', env: 'EDGE_KEY_HOST', help: 'cache keys use the origin\'s authority (origin) or the client Host (request) (default origin)' },
  { flag: 'hot-key-rps', field: 'cluster.hotKeyRequestsPerSecond', type: 'integer', env: 'EDGE_HOT_KEY_RPS', help: 'requests/s at which a non-owner keeps a hot copy (default 100)' },
  { flag: 'hot-cache-fraction', field: 'cluster.hotCacheFraction', type: 'number', env: 'EDGE_HOT_CACHE_FRACTION', help: 'share of the cache for hot copies of other edges\' keys (default 0.1)' },
  { flag: 'peer-connect-timeout-ms', field: 'cluster.peerConnectTimeoutMs', type: 'integer', env: 'EDGE_PEER_CONNECT_TIMEOUT_MS', help: 'peer connect timeout (default 500)' },
  { flag: 'peer-suspect-ms', field: 'cluster.peerSuspectMs', type: 'integer', env: 'EDGE_PEER_SUSPECT_MS', help: 'a failed peer is skipped this long, doubling while it keeps failing (default 2000)' },
  { flag: 'origin-max-connections', field: 'originProtection.maxConnections', type: 'integer', env: 'EDGE_ORIGIN_MAX_CONNECTIONS', help: 'origin requests in flight at once (default 256)' },
  { flag: 'origin-max-queued', field: 'originProtection.maxQueued', type: 'integer', env: 'EDGE_ORIGIN_MAX_QUEUED', help: 'origin requests waiting for a connection; more are answered 503 with Retry-After (default 1024)' },
  { flag: 'client-misses-per-second', field: 'originProtection.clientMissesPerSecond', type: 'number', env: 'EDGE_CLIENT_MISSES_PER_SECOND', help: 'origin-bound misses one client address may send per second; more are answered 429 (default 50; 0 = no budget)' },
  { flag: 'client-miss-burst', field: 'originProtection.clientMissBurst', type: 'integer', env: 'EDGE_CLIENT_MISS_BURST', help: 'origin-bound misses one client address may send at once (default 200)' },
  { flag: 'peer-auth', field: 'peerAuth.mode', type: 'string', env: 'EDGE_PEER_AUTH', help: 'peer requests: require a valid signature, accept unsigned ones too (rolling upgrade), or off (default require)' },
  { flag: 'peer-secret', field: 'peerAuth.secret', type: 'string', env: 'EDGE_PEER_SECRET', help: `region secret that signs and verifies peer requests, >= ${MIN_PEER_SECRET_CHARS} chars (required with --peers)` },
  { flag: 'peer-accept-secret', field: 'peerAuth.acceptSecret', type: 'string', env: 'EDGE_PEER_ACCEPT_SECRET', help: 'a second secret accepted but not used to sign, for rotation (default: none)' },
  { flag: 'peer-secret-file', field: 'peerAuth.secretFile', type: 'string', env: 'EDGE_PEER_SECRET_FILE', help: 'file with the secret on its first line and an optional accepted secret on the second' },
  { flag: 'alternate-origin', field: 'alternateOrigin', type: 'string', env: 'EDGE_ALTERNATE_ORIGIN', help: 'when the origin refuses, times out or answers 5xx, GETs go here: another origin or another region\'s edge (default: none)' },
  { flag: 'control-plane', field: 'controlPlane.url', type: 'string', env: 'EDGE_CONTROL_PLANE', help: 'control-plane URL(s), comma-separated replicas, for purges, lease and membership (default: none)' },
  { flag: 'token', field: 'controlPlane.token', type: 'string', env: 'EDGE_CONTROL_PLANE_TOKEN', help: 'bearer token for the control plane (required with --control-plane)' },
  { flag: 'region', field: 'region', type: 'string', env: 'EDGE_REGION', help: 'region this edge belongs to (default default)' },
  { flag: 'advertise-url', field: 'advertiseUrl', type: 'string', env: 'EDGE_ADVERTISE_URL', help: 'URL peers and the control plane reach this edge at (default http://host:port)' },
  { flag: 'lease-expired-serve-stale', field: 'controlPlane.leaseExpiredServeStale', type: 'boolean', env: 'EDGE_LEASE_EXPIRED_SERVE_STALE', help: 'lease expired and origin down: serve stale (inside stale-if-error) instead of an error' },
  { flag: 'collapse-wait-ms', field: 'collapseWaitMs', type: 'integer', env: 'EDGE_COLLAPSE_WAIT_MS', help: 'longest a collapsed request waits before fetching itself (default 16000)' },
  { flag: 'shutdown-grace-ms', field: 'shutdownGraceMs', type: 'integer', env: 'EDGE_SHUTDOWN_GRACE_MS', help: 'on SIGTERM, time allowed for in-flight requests (default 10000)' },
  { flag: 'http-server', field: 'httpServer', type: 'string', env: 'EDGE_HTTP_SERVER', help: 'client-side HTTP/1.1 layer: own (strict RFC 9112 server) or node (node:http, kept for comparison) (default own)' },
  { flag: 'log-level', field: 'logLevel', type: 'string', env: 'EDGE_LOG_LEVEL', help: 'debug, info, warn or error (default info)' },
  ...ACCESS_LOG_FLAGS,
  ...COMPRESS_FLAGS,
  ...TLS_FLAGS,
];

/** `e1=http://127.0.0.1:8081,e2=http://127.0.0.1:8082*2` → ring members; the schema checks each. */
export function parsePeers(raw: string): unknown {
  if (raw.trim() === '') return [];
  return raw.split(',').map((entry) => {
    const eq = entry.indexOf('=');
    if (eq === -1) return { id: entry.trim(), url: '' };
    const id = entry.slice(0, eq).trim();
    const [url = '', weight] = entry.slice(eq + 1).trim().split('*');
    return weight === undefined ? { id, url } : { id, url, weight: Number(weight) };
  });
}
