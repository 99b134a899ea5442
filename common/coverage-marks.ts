/**
 * Coverage marks, as TigerBeetle's `log.mark`: product code names a path when it takes it
 * (`mark('stale-if-error-served')`), and the simulator's swarm fails when a path its scenarios
 * must reach was never taken over all seeds, so a fault mix that stopped exercising a path is
 * noticed instead of passing quietly.
 *
 * The seam is one module-level slot because a mark must cost nothing where nobody listens (one
 * load and compare on the hit path) and must not be threaded through every constructor. It
 * only counts: no product decision ever reads it, so it cannot change what a run does. The
 * simulator records around each run (a worker thread runs its seeds in turn).
 */

/** Every mark product code may hit; the swarm's scenarios name their requirements from this list. */
export const MARKS = [
  /** edge: an origin failure answered with a stored copy inside stale-if-error (RFC 5861 §4). */
  'stale-if-error-served',
  /** edge: a stale copy served while it is revalidated in the background (RFC 5861 §3). */
  'stale-while-revalidate-served',
  /** edge: a new owner's handoff request answered from this edge's cache. */
  'handoff-answered',
  /** edge: a fill stored nothing because the control-plane lease had expired. */
  'lease-expired',
  /** edge: the control plane told the edge to drop its whole cache. */
  'flush',
  /** edge: a soft purge made a stored copy stale instead of removing it. */
  'soft-purge-applied',
  /** edge: the owner peer failed and the edge went to the origin itself. */
  'peer-fallback-to-origin',
  /** edge: a collapsed waiter was answered with the writer's response. */
  'collapse-waiter-shared',
  /** control plane: an fsync of the purge log failed and the append was refused. */
  'log-fsync-failed',
  /** control plane: opening the purge log cut a torn tail left by a crash. */
  'log-torn-tail-repaired',
] as const;

export type Mark = (typeof MARKS)[number];

type Counts = Map<Mark, number>;

/** Recordings in progress; empty almost always, one per run in the simulator. */
const recordings = new Set<Counts>();

/** Product code: this path was taken. Free when nothing records. */
export function mark(name: Mark): void {
  if (recordings.size === 0) return;
  for (const counts of recordings) counts.set(name, (counts.get(name) ?? 0) + 1);
}

/**
 * Counts marks until the returned function is called, which stops this recording and gives the
 * counts. Runs interleaved in one thread (a test awaiting two at once) each see the other's
 * marks too: marks say a path was reached somewhere, not by whom.
 */
export function recordMarks(): () => Counts {
  const counts: Counts = new Map();
  recordings.add(counts);
  return () => {
    recordings.delete(counts);
    return counts;
  };
}
