/**
 * Request collapsing: one writer per key fetches from upstream while concurrent requests for
 * the key wait. Every waiter is woken with a reason, and never waits longer than `waitMs`
 * (it then fetches on its own), so a stuck writer cannot hang anyone.
 */
import type { TimerHandle, Timers } from '../../common/ports.js';
import type { StoredResponse } from '../store/stored-response.js';

export type WakeReason =
  /** The writer stored a response: look it up again. */
  | 'stored'
  /** The answer cannot be shared (uncacheable, too large): fetch on your own, now. */
  | 'uncacheable'
  /**
   * The answer is shareable but was kept in no store here (a peer's answer for a key that is
   * not hot): it travels with the wake, so waiters need not each go upstream for it again.
   */
  | 'shared'
  /**
   * The answer could have been shared but was not stored (a purge landed during the fill):
   * collapse again behind one new writer rather than all fetching at once.
   */
  | 'retry'
  /** The upstream failed; the error is shared so waiters do not stampede a failing origin. */
  | 'error'
  /** The wait bound passed before the writer finished: take over as writer (takeOver), once. */
  | 'timeout'
  /** The writer went away without saying why (a bug or a crash): fetch on your own. */
  | 'abandoned';

export interface Wake {
  reason: WakeReason;
  /** With 'timeout': the writer generation waited on, for takeOver(). */
  stuck?: object;
  error?: unknown;
  /** With 'shared': the answer, to be served if it matches the waiter's Vary selection. */
  response?: StoredResponse;
  /** With 'shared': the answer is a peer's stale-if-error content, to be labelled as such. */
  staleIfError?: boolean;
}

export interface WriterPermit {
  role: 'writer';
  /** Wakes every waiter. Safe to call more than once; only the first call counts. */
  release(wake: Wake): void;
}

export interface WaiterTicket {
  role: 'waiter';
  wake: Promise<Wake>;
}

interface Waiter {
  resolve: (wake: Wake) => void;
  timer: TimerHandle;
}

/** One writer and the requests waiting for it. A takeover starts a new generation. */
interface Generation {
  waiters: Waiter[];
}

export class CollapseLocks {
  private readonly waiting = new Map<string, Generation>();

  constructor(
    private readonly timers: Timers,
    private readonly waitMs: number,
  ) {}

  /** `waitMs` overrides the bound for this wait (a waiter queueing again after a 'retry'). */
  acquire(key: string, waitMs = this.waitMs): WriterPermit | WaiterTicket {
    const current = this.waiting.get(key);
    return current === undefined ? this.newWriter(key) : this.join(key, current, waitMs);
  }

  /**
   * For a waiter whose wait ran out: if the writer it waited for (`stuck`) still holds the key,
   * this waiter becomes the writer of a new generation, and those timing out after it wait for
   * it, rather than every timed-out waiter fetching at once (Pingora's lock takeover). If another
   * waiter already took over, this one joins that newer writer.
   */
  takeOver(key: string, stuck: object, waitMs = this.waitMs): WriterPermit | WaiterTicket {
    const current = this.waiting.get(key);
    if (current === undefined || current === stuck) return this.newWriter(key);
    return this.join(key, current, waitMs);
  }

  private newWriter(key: string): WriterPermit {
    const generation: Generation = { waiters: [] };
    this.waiting.set(key, generation);
    let released = false;
    return {
      role: 'writer',
      release: (wake) => {
        if (released) return;
        released = true;
        // A writer that was taken over still wakes its own waiters, but leaves the key to its
        // successor. If it stored an answer, the successor's waiters can use that too.
        const current = this.waiting.get(key);
        if (current === generation) this.waiting.delete(key);
        const woken = current !== undefined && current !== generation && wake.reason === 'stored' ? [generation, current] : [generation];
        for (const g of woken) {
          for (const w of g.waiters) {
            w.timer.cancel();
            w.resolve(wake);
          }
          g.waiters.length = 0;
        }
      },
    };
  }

  private join(key: string, generation: Generation, waitMs: number): WaiterTicket {
    const wake = new Promise<Wake>((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: this.timers.after(waitMs, () => {
          const i = generation.waiters.indexOf(waiter);
          if (i !== -1) generation.waiters.splice(i, 1);
          resolve({ reason: 'timeout', stuck: generation });
        }),
      };
      generation.waiters.push(waiter);
    });
    return { role: 'waiter', wake };
  }
}
