/**
 * Builds an Edge from a validated config and the ports. The binary, the test harnesses and the
 * simulator all build edges here, so they run the same settings the same way.
 */
import { Value } from '@sinclair/typebox/value';
import type { Clock, Compressor, Logger, Random, Timers, Transport } from '../common/ports.js';
import { syncCompressor } from '../common/sync-compressor.js';
import { compressionOptions } from './compression-config.js';
import { ControlClient, type ControlTarget } from './control/control-client.js';
import type { PeerAuthSettings } from './routing/peer-auth.js';
import type { RingMember } from './routing/ring.js';
import { EdgeConfigSchema, type EdgeConfig } from './config.js';
import { ConfigError } from '../common/config-loader.js';
import { Edge, type ClusterSettings } from './pipeline/edge.js';

export interface EdgePorts {
  clock: Clock;
  timers: Timers;
  transport: Transport;
  logger: Logger;
  /** The binary passes zlib on the threadpool; absent: the synchronous, deterministic one (simulator, tests). */
  compressor?: Compressor;
}

export function createEdge(config: EdgeConfig, ports: EdgePorts): Edge {
  const { compressor, ...edgePorts } = ports;
  const compression = compressionOptions(config.compress, compressor ?? syncCompressor);
  return new Edge({
    cacheName: config.id,
    originUrl: config.origin,
    ...edgePorts,
    maxBytes: config.cache.maxBytes,
    maxObjectBytes: config.cache.maxObjectBytes,
    originTimeouts: config.originTimeouts,
    collapseWaitMs: config.collapseWaitMs,
    setCookie: config.cache.setCookie,
    heuristic: { fraction: config.cache.heuristicFraction, maxSeconds: config.cache.heuristicMaxSeconds },
    staleIfErrorDefaultSeconds: config.cache.staleIfErrorDefaultSeconds,
    honorRequestCacheControl: !config.cache.ignoreRequestCacheControl,
    keyHost: config.keyHost,
    originProtection: config.originProtection,
    ...(config.alternateOrigin === undefined ? {} : { alternateOriginUrl: config.alternateOrigin }),
    ...(config.peers.length === 0 ? {} : { cluster: clusterSettings(config) }),
    ...(config.controlPlane.url === undefined ? {} : { lease: { expiredServeStale: config.controlPlane.leaseExpiredServeStale } }),
    ...(compression === undefined ? {} : { compression }),
  });
}

/** The control client's view of an edge. */
export function controlTargetFor(edge: Edge): ControlTarget {
  const m = edge.metrics;
  return {
    applyPurge: (record) => edge.control.applyPurge(record),
    flush: (seq) => edge.control.flush(seq),
    renewLease: (leaseMs) => edge.control.renewLease(leaseMs),
    ...(edge.cluster === undefined ? {} : { setMembers: (members: RingMember[]) => edge.control.setMembers(members) }),
    get appliedSeq() {
      return edge.control.purges.appliedSeq;
    },
    load: () => ({ requests: Object.values(m.requests).reduce((a, b) => a + b, 0), errors: m.requests.error }),
  };
}

/**
 * What the admin port's `PUT /membership` does: membership has one source. With a control plane
 * the ring follows the control plane's stream alone, so the admin port refuses (a ring pushed
 * there would compete with it); without one, flags and `PUT /membership` set it.
 */
export function adminMembershipFor(edge: Edge, control: ControlClient | undefined): { setMembers?: (members: RingMember[]) => void; membershipRefusal?: string } {
  if (edge.cluster === undefined) return { membershipRefusal: 'this edge runs without --peers; membership cannot change' };
  if (control !== undefined) return { membershipRefusal: 'membership comes from the control plane (--control-plane); register or remove edges there' };
  return { setMembers: (members) => edge.control.setMembers(members) };
}

/**
 * The control client for an edge built from this config, or undefined without a control plane.
 * `target` is what the client drives: the edge itself, unless a test wraps it to watch the calls.
 */
export function createControlClient(
  config: EdgeConfig,
  edge: Edge,
  ports: EdgePorts & { random: Random },
  edgeUrl: string,
  target: ControlTarget = controlTargetFor(edge),
): ControlClient | undefined {
  const cp = config.controlPlane;
  if (cp.url === undefined) return undefined;
  if (cp.token === undefined) throw new ConfigError('controlPlane.token: is required with --control-plane (set --token or EDGE_CONTROL_PLANE_TOKEN)');
  return new ControlClient({
    controlUrl: cp.url,
    token: cp.token,
    edgeId: config.id,
    region: config.region,
    edgeUrl,
    weight: config.peers.find((p) => p.id === config.id)?.weight ?? 1,
    target,
    transport: ports.transport,
    timers: ports.timers,
    clock: ports.clock,
    random: ports.random,
    logger: ports.logger,
    streamIdleMs: cp.streamIdleMs,
    reconnectMinMs: cp.reconnectMinMs,
    reconnectMaxMs: cp.reconnectMaxMs,
  });
}

function clusterSettings(config: EdgeConfig): ClusterSettings {
  const c = config.cluster;
  if (!config.peers.some((p) => p.id === config.id)) {
    throw new ConfigError(`peers: must include this edge's own id "${config.id}" (set --id to one of ${config.peers.map((p) => p.id).join(', ')})`);
  }
  return {
    selfId: config.id,
    members: config.peers.map((p) => ({ id: p.id, url: p.url, weight: p.weight })),
    peerTimeouts: { connectMs: c.peerConnectTimeoutMs, headersMs: c.peerHeadersTimeoutMs, bodyIdleMs: c.peerBodyTimeoutMs },
    peerSuspectMs: c.peerSuspectMs,
    peerMaxSuspectMs: c.peerMaxSuspectMs,
    hotKeyRequestsPerSecond: c.hotKeyRequestsPerSecond,
    hotCacheFraction: c.hotCacheFraction,
    handoffMs: c.handoffMs,
    leavePushMaxKeys: c.leavePushMaxKeys,
    leavePushMaxBytes: c.leavePushMaxBytes,
    peerAuth: peerAuthSettings(config),
  };
}

/** Peer-auth settings; a ring without a secret is refused unless peer-auth is explicitly off. */
function peerAuthSettings(config: EdgeConfig): PeerAuthSettings {
  const p = config.peerAuth;
  if (p.mode !== 'off' && p.secret === undefined) {
    throw new ConfigError('peerAuth.secret: is required with --peers unless --peer-auth off (set --peer-secret, EDGE_PEER_SECRET or --peer-secret-file)');
  }
  return {
    mode: p.mode,
    windowMs: p.windowMs,
    ...(p.secret === undefined ? {} : { secret: p.secret }),
    ...(p.acceptSecret === undefined ? {} : { acceptSecret: p.acceptSecret }),
  };
}

/** The config `cdn-edge` would run with, given only these settings: schema defaults fill the rest. */
export function edgeConfigWithDefaults(partial: Partial<EdgeConfig> & { origin: string }): EdgeConfig {
  const config = Value.Default(EdgeConfigSchema, structuredClone(partial));
  const error = Value.Errors(EdgeConfigSchema, config).First();
  if (error !== undefined) throw new Error(`edge config ${error.path}: ${error.message}`);
  return config as EdgeConfig;
}
