/** The Edge settings end-to-end tests run with: small bounds and short timeouts, real timers (harnesses swap in ManualTimers for tests about ordering). */
import { systemTimers } from '../../common/adapters/system-clock.js';
import type { Clock, Logger, Transport } from '../../common/ports.js';
import type { EdgeOptions } from '../../edge/pipeline/edge.js';

type ClusterOptions = NonNullable<EdgeOptions['cluster']>;

export const silent: Logger = { log: () => undefined };

/**
 * Real-time bounds for the transport (undici measures them with real timers) when a test holds
 * answers itself: far beyond any hold, so a loaded machine never turns a held answer into a
 * timeout. Tests on virtual timers use these; they never rely on a real timeout firing.
 */
export const HELD_ANSWER_TIMEOUTS = { connectMs: 60_000, headersMs: 120_000, bodyIdleMs: 120_000 } as const;

export function testEdgeOptions(ports: { cacheName: string; originUrl: string; clock: Clock; transport: Transport }): EdgeOptions {
  return {
    ...ports,
    timers: systemTimers,
    logger: silent,
    maxBytes: 64 * 1024 * 1024,
    maxObjectBytes: 1024 * 1024,
    originTimeouts: { connectMs: 1000, headersMs: 5000, bodyIdleMs: 5000 },
    collapseWaitMs: 10_000,
    setCookie: 'bypass',
    heuristic: { fraction: 0.1, maxSeconds: 86_400 },
    staleIfErrorDefaultSeconds: 60,
    honorRequestCacheControl: true,
    keyHost: 'origin',
  };
}

/**
 * A ring of one edge (`selfId`) with an unreachable URL, so the edge speaks the peer protocol and
 * owns every key; tests then act as its peer. `peerAuth` decides whether peer requests are signed.
 */
export function ringOfOne(selfId: string, peerAuth: ClusterOptions['peerAuth']): ClusterOptions {
  return {
    selfId,
    members: [{ id: selfId, url: 'http://127.0.0.1:9', weight: 1 }],
    peerTimeouts: { connectMs: 500, headersMs: 5000, bodyIdleMs: 5000 },
    peerSuspectMs: 1000,
    peerMaxSuspectMs: 1000,
    hotKeyRequestsPerSecond: 100,
    hotCacheFraction: 0.1,
    handoffMs: 0,
    peerAuth,
  };
}
