/**
 * What the edge's control surface tells its observers: the simulator's history, the metrics and
 * the log subscribe here instead of wrapping the methods that do the work. Emitted for control
 * operations only (purges, flushes, rings, leases, handoffs), never per hit.
 */
import type { PurgeKind } from '../../common/control-protocol.js';
import type { RingMember } from '../routing/ring.js';

export type EdgeEvent =
  /** One purge from the control plane was applied to the stores; `appliedSeq` is the ledger's after it. */
  | { type: 'purge-applied'; seq: number; id: string; kind: PurgeKind; appliedSeq: number }
  /** Everything was dropped because the edge fell too far behind the log; `appliedSeq` as above. */
  | { type: 'flushed'; upToSeq: number; appliedSeq: number }
  /** A new ring was installed; `keysMoved` stored keys now belong to another member. */
  | { type: 'membership-installed'; members: readonly RingMember[]; keysMoved: number }
  /** A lease grant moved the lease's end; `wasValid`: whether reuse was allowed just before it. */
  | { type: 'lease-changed'; untilMonoMs: number; wasValid: boolean }
  /** A new owner asked for a key during a ring change; `served`: answered from a stored copy. */
  | { type: 'handoff-answered'; key: string; served: boolean };

export type EdgeEventListener = (event: EdgeEvent) => void;

/** Listeners in subscription order; a listener that throws is a programmer error and propagates. */
export class EdgeEvents {
  private listeners: EdgeEventListener[] = [];

  /** Adds a listener; the returned function removes it. */
  subscribe(listener: EdgeEventListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  emit(event: EdgeEvent): void {
    // A snapshot: a listener that unsubscribes while called does not skip its neighbour.
    for (const listener of this.listeners) listener(event);
  }
}
