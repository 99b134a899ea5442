/**
 * Edge and region health as pure functions of what heartbeats reported and when.
 * Defaults (see config.ts) assume edges heartbeat every second.
 */
import type { Health } from '../common/control-protocol.js';

export interface HealthThresholds {
  /** No heartbeat for longer than this: degraded (a couple of missed beats). */
  degradedAfterMs: number;
  /** No heartbeat for longer than this: down. */
  downAfterMs: number;
  /** Reported error rate at or above this: degraded. */
  degradedErrorRate: number;
  /** Reported error rate at or above this: down. */
  downErrorRate: number;
  /** Error rates from fewer requests per second than this are noise and are not judged. */
  minRequestsPerSec: number;
}

export interface HealthInput {
  nowMs: number;
  /** Undefined when the edge never sent a heartbeat (e.g. only opened a stream). */
  lastHeartbeatAtMs: number | undefined;
  errorRate: number;
  requestsPerSec: number;
}

/** The worst of what heartbeat age and error rate say; an edge that never reported is down. */
export function deriveEdgeHealth(input: HealthInput, t: HealthThresholds): Health {
  if (input.lastHeartbeatAtMs === undefined) return 'down';
  const ageMs = input.nowMs - input.lastHeartbeatAtMs;
  // One failed request out of one is not an edge in trouble (it may be a peer-protocol miss).
  const errorRate = input.requestsPerSec >= t.minRequestsPerSec ? input.errorRate : 0;
  if (ageMs > t.downAfterMs || errorRate >= t.downErrorRate) return 'down';
  if (ageMs > t.degradedAfterMs || errorRate >= t.degradedErrorRate) return 'degraded';
  return 'healthy';
}

/** A region is healthy when every member is, down when none is up (or it has none), else degraded. */
export function deriveRegionHealth(members: readonly Health[]): Health {
  if (members.length === 0 || members.every((h) => h === 'down')) return 'down';
  if (members.every((h) => h === 'healthy')) return 'healthy';
  return 'degraded';
}
