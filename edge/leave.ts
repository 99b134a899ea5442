/**
 * Graceful leave, as `cdn-edge` does it on SIGTERM and the simulator does it for a `leave` fault:
 *
 * 1. stop taking new connections (the adapter's part: `stopAccepting`);
 * 2. with a control plane, say so in a heartbeat (`leaving: true`): the control plane drops this
 *    edge from the membership it pushes, the other edges install the ring without it and open
 *    their handoff windows; wait for that (at most a quarter of the grace period);
 * 3. push the most recently used keys to their owners in the ring without this edge (at most
 *    `cluster.leavePushMaxKeys` keys and `cluster.leavePushMaxBytes` body bytes), while the lease
 *    holds and the grace period lasts;
 * 4. let in-flight requests finish, then end the control-plane stream.
 * Everything is bounded by `shutdownGraceMs`, measured on the edge's monotonic clock.
 */
import type { Clock, Timers } from '../common/ports.js';
import type { ControlClient } from './control/control-client.js';
import { DEFAULT_PUSH_CONCURRENCY, type HandoverReport } from './pipeline/handover.js';
import type { Edge } from './pipeline/edge.js';

export const DEFAULT_LEAVE_PUSH_MAX_KEYS = 10_000;
export const DEFAULT_LEAVE_PUSH_MAX_BYTES = 64 * 1024 * 1024;

export interface LeaveOptions {
  edge: Edge;
  control: ControlClient | undefined;
  clock: Clock;
  timers: Timers;
  graceMs: number;
  /** The adapter stops accepting new connections (in-flight requests go on). */
  stopAccepting(): void;
  /** Resolves when every in-flight request has been answered. */
  inFlightDone(): Promise<void>;
}

export interface LeaveReport {
  /** The control plane's ring left this edge out before the pushes began. */
  removedFromRing: boolean;
  handover: HandoverReport;
  /** In-flight requests all finished inside the grace period. */
  drained: boolean;
  elapsedMs: number;
}

export async function leaveGracefully(o: LeaveOptions): Promise<LeaveReport> {
  const startMs = o.clock.monoMs();
  const deadlineMs = startMs + o.graceMs;
  const within = <T>(work: Promise<T>, limitMs: number): Promise<T | 'timeout'> =>
    new Promise((resolve) => {
      const timer = o.timers.after(Math.max(0, limitMs), () => resolve('timeout'));
      work.then((value) => {
        timer.cancel();
        resolve(value);
      }, () => {
        timer.cancel();
        resolve('timeout');
      });
    });

  o.stopAccepting();
  let removedFromRing = false;
  if (o.control !== undefined) removedFromRing = (await within(o.control.leave(), o.graceMs / 4)) !== 'timeout';
  const cluster = o.edge.options.cluster;
  const handover = await o.edge.control.handOver(
    {
      maxKeys: cluster?.leavePushMaxKeys ?? DEFAULT_LEAVE_PUSH_MAX_KEYS,
      maxBytes: cluster?.leavePushMaxBytes ?? DEFAULT_LEAVE_PUSH_MAX_BYTES,
      concurrency: DEFAULT_PUSH_CONCURRENCY,
    },
    () => o.clock.monoMs() < deadlineMs,
  );
  const drained = (await within(o.inFlightDone(), deadlineMs - o.clock.monoMs())) !== 'timeout';
  o.control?.stop();
  return { removedFromRing, handover, drained, elapsedMs: o.clock.monoMs() - startMs };
}
