/** The Edge settings end-to-end tests run with: small bounds and short timeouts, real timers. */
import { systemTimers } from '../../common/adapters/system-clock.js';
import type { Clock, Logger, Transport } from '../../common/ports.js';
import type { EdgeOptions } from '../../edge/pipeline/edge.js';

export const silent: Logger = { log: () => undefined };

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
