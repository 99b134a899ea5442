/** What an Edge is built from: settings plus the ports (clock, timers, transport, logger). */
import type { Clock, Logger, Timers, Transport, TransportTimeouts } from '../../common/ports.js';
import type { CompressionOptions } from './compressed-variants.js';
import type { SetCookiePolicy } from '../policy/cacheability.js';
import type { HeuristicOptions } from '../policy/freshness.js';
import type { PeerAuthSettings } from '../routing/peer-auth.js';
import type { RingMember } from '../routing/ring.js';

export interface EdgeOptions {
  /** Names this cache in Cache-Status and Via. */
  cacheName: string;
  /** Scheme, host and port of the origin, e.g. `http://127.0.0.1:8000`. */
  originUrl: string;
  clock: Clock;
  timers: Timers;
  transport: Transport;
  logger: Logger;
  maxBytes: number;
  maxObjectBytes: number;
  originTimeouts: TransportTimeouts;
  collapseWaitMs: number;
  setCookie: SetCookiePolicy;
  heuristic: HeuristicOptions;
  staleIfErrorDefaultSeconds: number;
  /** Obey request Cache-Control (no-cache, max-age, min-fresh, max-stale, only-if-cached). */
  honorRequestCacheControl: boolean;
  /**
   * Whose authority names cached objects: the origin's, so every front edge of a region agrees
   * on a key whatever Host the client used, or the request's Host (for virtual-hosting origins).
   */
  keyHost: 'origin' | 'request';
  /**
   * Where GETs go when the origin refuses, times out or answers 5xx: another origin, or another
   * region's edges. Absent: no failover.
   */
  alternateOriginUrl?: string;
  /** Ring membership and peer settings; absent when the edge runs alone. */
  cluster?: ClusterSettings;
  /**
   * Present when a control plane pushes purges: cached content is served without revalidation
   * only while the lease it renews is valid. `expiredServeStale`: when the lease has expired and
   * the origin is unreachable too, serve stale (inside stale-if-error) rather than an error.
   */
  lease?: { expiredServeStale: boolean };
  /** Bounds on what this edge sends the origin; absent: unbounded (tests that build an Edge directly). */
  originProtection?: OriginProtection;
  /** The edge compresses compressible responses itself (--compress); absent: off. */
  compression?: CompressionOptions;
}

export interface OriginProtection {
  /** Origin requests in flight at once (each holds a connection until its body is read). */
  maxConnections: number;
  /** Origin requests waiting for one of those; beyond this the edge answers 503 with Retry-After. */
  maxQueued: number;
  /** Origin-bound misses one client address may send per second, sustained; 0: no budget. */
  clientMissesPerSecond: number;
  /** ... and at once. */
  clientMissBurst: number;
  /** Client addresses tracked (least recently seen forgotten first). */
  maxTrackedClients: number;
}

export interface ClusterSettings {
  selfId: string;
  members: readonly RingMember[];
  peerTimeouts: TransportTimeouts;
  peerSuspectMs: number;
  peerMaxSuspectMs: number;
  hotKeyRequestsPerSecond: number;
  /** Share of maxBytes kept for copies of hot keys owned by other edges. */
  hotCacheFraction: number;
  handoffMs: number;
  /** Graceful leave: keys (most recently used first) and body bytes pushed to new owners at most (config defaults 10,000 and 64 MiB). */
  leavePushMaxKeys?: number;
  leavePushMaxBytes?: number;
  /** How peers prove they are ring members (edge/routing/peer-auth.ts). */
  peerAuth: PeerAuthSettings;
}
