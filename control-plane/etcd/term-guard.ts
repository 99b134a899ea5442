/**
 * Gives up early on etcd writes that were proposed to a raft leader which has since been replaced.
 *
 * When the etcd leader dies, a member that has not noticed yet still forwards proposals to it, and
 * those are lost; etcd answers such a request only after its own request timeout (5 s + two election
 * timeouts), and our client after `requestTimeoutMs`. That wait came on top of the election in the
 * write pause at a failover. Every etcd answer carries the raft term, and a new leader means a new
 * term: a write still waiting after a higher term was seen was proposed under the old leader, so it
 * is abandoned as ambiguous (it may still commit) and its caller re-sends it at once, which the
 * purge log's compare makes safe. While writes wait, the member they went to is asked for its term
 * every `probeMs` (etcd's status call is answered locally, without raft), so the new term is seen
 * within one probe of the election rather than after the request timeout.
 *
 * Transport-neutral (the Timers port and a probe callback), so it is tested on manual timers.
 */
import type { TimerHandle, Timers } from '../../common/ports.js';

export interface TermGuardOptions {
  /** A write still waiting this long has its member probed, and again every probeMs while writes wait. */
  probeMs: number;
}

/** Probes after 250 ms of waiting: a commit takes a few ms; an etcd election takes seconds. */
export const TERM_GUARD_DEFAULTS: TermGuardOptions = { probeMs: 250 };

interface Waiting {
  /** The highest term known when the write was sent; 0: none known yet (never abandoned). */
  sentTerm: number;
  abandon: (why: string) => void;
  /** Asks the member this write went to for its current raft term. */
  probe: () => Promise<number | undefined>;
}

export class TermGuard {
  private term = 0;
  private readonly waiting = new Set<Waiting>();
  private timer: TimerHandle | undefined;
  private probing = false;

  constructor(
    private readonly timers: Timers,
    private readonly options: TermGuardOptions = TERM_GUARD_DEFAULTS,
  ) {}

  /** The highest raft term seen in any answer. */
  currentTerm(): number {
    return this.term;
  }

  /** Records the term of an answer; a higher one abandons every write sent under a lower one. */
  noteTerm(term: number): void {
    if (!(term > this.term)) return;
    const before = this.term;
    this.term = term;
    for (const w of [...this.waiting]) {
      if (w.sentTerm > 0 && w.sentTerm < term) {
        this.waiting.delete(w);
        w.abandon(`etcd moved from raft term ${w.sentTerm} to ${term} (a new leader) while this write waited; it may or may not have been applied`);
      }
    }
    if (before > 0 && this.waiting.size === 0) this.stopProbing();
  }

  /**
   * A write is on its way: `abandon` is called if a new term shows up before `done` is; `probe`
   * reads the raft term of the member it went to.
   */
  track(abandon: (why: string) => void, probe: () => Promise<number | undefined>): { done: () => void } {
    const w: Waiting = { sentTerm: this.term, abandon, probe };
    this.waiting.add(w);
    this.timer ??= this.timers.after(this.options.probeMs, () => this.probe());
    return {
      done: () => {
        this.waiting.delete(w);
        if (this.waiting.size === 0) this.stopProbing();
      },
    };
  }

  /** Writes waiting for an answer. */
  waitingCount(): number {
    return this.waiting.size;
  }

  close(): void {
    this.stopProbing();
    this.waiting.clear();
  }

  private probe(): void {
    this.timer = undefined;
    const oldest = this.waiting.values().next().value;
    if (oldest === undefined) return;
    if (!this.probing) {
      this.probing = true;
      void oldest
        .probe()
        .then(
          (term) => {
            if (term !== undefined) this.noteTerm(term);
          },
          () => undefined, // An unreachable member: the write's own failure or timeout handles it.
        )
        .finally(() => {
          this.probing = false;
        });
    }
    if (this.waiting.size > 0) this.timer = this.timers.after(this.options.probeMs, () => this.probe());
  }

  private stopProbing(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
