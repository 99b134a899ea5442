/**
 * The simulator's event queue on virtual time. Events are ordered by (time, sequence), so two
 * events at the same instant run in the order they were scheduled, in every run.
 *
 * Microtasks. The real edge and control-plane code is async: an event (a message arriving, a
 * timer firing) resolves a promise and the code behind it runs as microtasks. Before virtual
 * time moves on, those continuations must have run, or they would read a later clock and
 * schedule their follow-ups late. Nothing in a run waits on a macrotask (no sockets, no real
 * timers): every promise real code awaits is resolved by a simulated event. So after every
 * event marked `async` the scheduler waits for the microtask queue to be empty, exactly: it
 * queues one `process.nextTick` callback, and Node runs next-tick callbacks only once V8 has
 * run every queued microtask, including those queued meanwhile (processTicksAndRejections:
 * ticks, then runMicrotasks, until both are empty), all inside the current macrotask. The
 * simulated code queues no next-tick callbacks of its own (only adapters and etcd code use
 * them), so nothing runs between the last microtask and the drain's end.
 * Before, the drain counted 32 quiet microtask turns, a guess at the deepest silent chain that
 * cost a promise reaction per turn on every event; the old macrotask drain yielded one
 * `setImmediate` per event, exact but a trip around the event loop each time. `drain:
 * 'macrotask'` keeps that one, and a test checks that both give the same trace hash. Events
 * known to be synchronous (a cache hit answered without a promise) skip the drain.
 */

/** Marks whose events die with a node: a crash bumps the incarnation and its events are dropped. */
export interface Owner {
  readonly alive: boolean;
}

export interface EventOptions {
  owner?: Owner | undefined;
  /** The callback may resolve promises: drain the microtask queue after it. */
  async?: boolean;
}

export interface EventHandle {
  cancel(): void;
}

const NOTHING = (): void => undefined;

/** A queued event is its own handle, so scheduling allocates one object. */
class QueuedEvent implements EventHandle {
  /** Still in the heap (not yet run, dropped or compacted away). */
  queued = true;
  cancelled = false;

  constructor(
    readonly atMs: number,
    readonly seq: number,
    public fn: () => void,
    readonly owner: Owner | undefined,
    readonly async: boolean,
    private readonly scheduler: Scheduler,
  ) {}

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    // A cancelled event lets go of its callback at once: most are timeouts that did not fire,
    // seconds ahead, and their closures hold whole exchanges.
    this.fn = NOTHING;
    if (this.queued) this.scheduler.cancelledWhileQueued();
  }
}

/** Sweep cancelled events out of the heap once there are at least this many and they are half of it. */
const COMPACT_AT_CANCELLED = 4096;

const RESOLVED = Promise.resolve();

export interface SchedulerOptions {
  /** How continuations are drained after an async event (see the header). Default microtask. */
  drain?: 'microtask' | 'macrotask';
}

export class Scheduler {
  /** True (virtual) time in ms since the start of the run. */
  private nowMs = 0;
  private seq = 0;
  private readonly heap: QueuedEvent[] = [];
  private drainRequested = false;
  /** Events executed so far. */
  executed = 0;
  /** Set by a callback that threw: the run stops and rethrows it. */
  private failure: unknown;
  /** Cancelled events still in the heap. */
  private cancelledQueued = 0;
  private readonly macrotask: boolean;

  constructor(options: SchedulerOptions = {}) {
    this.macrotask = options.drain === 'macrotask';
  }

  now(): number {
    return this.nowMs;
  }

  get pending(): number {
    return this.heap.length;
  }

  at(atMs: number, fn: () => void, options?: EventOptions): EventHandle {
    return this.schedule(atMs, fn, options?.owner, options?.async ?? false);
  }

  /**
   * `at` with its options as arguments: for the kernel's own per-message and per-timer events
   * (several per simulated request), which would otherwise build an options object each time.
   */
  schedule(atMs: number, fn: () => void, owner: Owner | undefined, async: boolean): EventHandle {
    if (!(atMs >= this.nowMs)) atMs = this.nowMs;
    const ev = new QueuedEvent(atMs, this.seq++, fn, owner, async, this);
    this.push(ev);
    return ev;
  }

  /** `after` with its options as arguments (see `schedule`). */
  scheduleAfter(delayMs: number, fn: () => void, owner: Owner | undefined, async: boolean): EventHandle {
    return this.schedule(this.nowMs + Math.max(0, delayMs), fn, owner, async);
  }

  /**
   * @internal One more cancelled event sits in the heap. When they are most of it, they are
   * swept out in one pass, so the heap holds live events rather than thousands of dead timeouts.
   */
  cancelledWhileQueued(): void {
    this.cancelledQueued++;
    if (this.cancelledQueued < COMPACT_AT_CANCELLED || 2 * this.cancelledQueued < this.heap.length) return;
    const live = this.heap.filter((ev) => {
      if (!ev.cancelled) return true;
      ev.queued = false;
      return false;
    });
    this.heap.length = 0;
    // (time, seq) is a total order, so the rebuilt heap pops exactly what the old one would have.
    for (const ev of live) this.push(ev);
    this.cancelledQueued = 0;
  }

  after(delayMs: number, fn: () => void, options?: EventOptions): EventHandle {
    return this.scheduleAfter(delayMs, fn, options?.owner, options?.async ?? false);
  }

  /** Asks for a microtask drain after the current event (it resolved a promise after all). */
  requestDrain(): void {
    this.drainRequested = true;
  }

  /** Reports an exception from code run outside an event (a rejected promise in real code). */
  fail(err: unknown): void {
    if (this.failure === undefined) this.failure = err;
  }

  /**
   * Runs every event up to and including `untilMs`, then sets the time to `untilMs`. Rejects with
   * the first exception any event (or reported promise) threw.
   *
   * Written as a loop that hands itself on rather than as an async function awaiting a drain
   * promise: after an async event the loop stops and `carryOn` starts it again, as a microtask,
   * once the microtasks have drained (see the header). Events still run in a
   * microtask, as before, so any tick the simulated code queued runs where it did; each drain
   * costs a tick and one promise reaction instead of two promises, a closure and an async resume.
   */
  run(untilMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const step = (): void => {
        try {
          loop();
        } catch (err) {
          // The scheduler's own fault (events' exceptions are caught below): fail the run, as
          // the async function this loop replaced did, rather than leave it pending.
          reject(err);
        }
      };
      const loop = (): void => {
        while (this.heap.length > 0 && this.heap[0]!.atMs <= untilMs) {
          const ev = this.pop();
          ev.queued = false;
          if (ev.cancelled) {
            this.cancelledQueued--;
            continue;
          }
          if (ev.owner !== undefined && !ev.owner.alive) continue;
          this.nowMs = ev.atMs;
          this.executed++;
          this.drainRequested = ev.async;
          try {
            ev.fn();
          } catch (err) {
            this.fail(err);
          }
          if (this.drainRequested) {
            this.afterDrain(carryOn);
            return;
          }
          if (this.failure !== undefined) return reject(this.failure);
        }
        if (untilMs > this.nowMs) this.nowMs = untilMs;
        this.afterDrain(finish);
      };
      // Made once per run, so a drain allocates no closure.
      const stepOrFail = (): void => (this.failure === undefined ? step() : reject(this.failure));
      const settle = (): void => (this.failure === undefined ? resolve() : reject(this.failure));
      const carryOn = (): void => void RESOLVED.then(stepOrFail);
      const finish = (): void => void RESOLVED.then(settle);
      this.afterDrain((): void => void RESOLVED.then(step));
    });
  }

  /**
   * Calls `next` once every continuation the last event made runnable has run: as a tick (Node
   * runs ticks only when V8's microtask queue is empty), or in `drain: 'macrotask'` mode on the
   * next turn of the event loop. `next` starts the loop again as a microtask.
   */
  private afterDrain(next: () => void): void {
    if (this.macrotask) setImmediate(next);
    else process.nextTick(next);
  }

  private push(ev: QueuedEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(ev, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = ev;
  }

  private pop(): QueuedEvent {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(h[r]!, h[l]!) ? r : l;
        if (!before(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
