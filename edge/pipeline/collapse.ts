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
  /** The wait bound passed before the writer finished. */
  | 'timeout'
  /** The writer went away without saying why (a bug or a crash): fetch on your own. */
  | 'abandoned';

export interface Wake {
  reason: WakeReason;
  error?: unknown;
  /** With 'shared': the answer, to be served if it matches the waiter's Vary selection. */
  response?: StoredResponse;
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

export class CollapseLocks {
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(
    private readonly timers: Timers,
    private readonly waitMs: number,
  ) {}

  /** `waitMs` overrides the bound for this wait (a waiter queueing again after a 'retry'). */
  acquire(key: string, waitMs = this.waitMs): WriterPermit | WaiterTicket {
    const queue = this.waiting.get(key);
    if (queue === undefined) {
      this.waiting.set(key, []);
      let released = false;
      return {
        role: 'writer',
        release: (wake) => {
          if (released) return;
          released = true;
          const waiters = this.waiting.get(key) ?? [];
          this.waiting.delete(key);
          for (const w of waiters) {
            w.timer.cancel();
            w.resolve(wake);
          }
        },
      };
    }
    const wake = new Promise<Wake>((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: this.timers.after(waitMs, () => {
          const list = this.waiting.get(key);
          if (list !== undefined) {
            const i = list.indexOf(waiter);
            if (i !== -1) list.splice(i, 1);
          }
          resolve({ reason: 'timeout' });
        }),
      };
      queue.push(waiter);
    });
    return { role: 'waiter', wake };
  }

  /** Keys with a writer in flight. */
  inFlight(): number {
    return this.waiting.size;
  }
}
