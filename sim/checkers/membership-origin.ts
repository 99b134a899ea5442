/**
 * membership-origin (correctness): a join, a graceful leave or a graceful restart must not send
 * the keys that changed owner to the origin while the region still holds them.
 *
 * At each change (a `membership` record: the region's ring before and after) a key has moved
 * when its owner differs between the two rings (the real Ring, over the same cache key the edges
 * use). A fetch is caused by the change when an edge of the region fetches a moved key from the
 * origin within `windowMs` after the change while the region held a copy the previous owner could
 * have answered with: one the origin gave before the change, still fresh at the fetch (by its
 * lifetime in true time), with no purge of the key accepted since. Each such fetch counts once,
 * however many open windows it falls in.
 *
 * Bound: caused fetches <= floor(maxFraction x requested moved keys) + 1, where requested moved
 * keys is the number of (change, moved key) pairs a client asked for within the window. The +1
 * absorbs one unlucky fetch on small sets (a cold key whose previous owner was itself still
 * filling it); with handoff disabled (--break handoff) nearly every requested moved key is caused.
 */
import { Ring } from '../../edge/routing/ring.js';
import type { HistoryRecord } from '../history.js';
import type { Checker, Verdict } from './checkers.js';

interface Window {
  t: number;
  region: string;
  node: string;
  change: 'join' | 'leave';
  members: Set<string>;
  before: Ring;
  after: Ring;
  /** Key -> until when the region's pre-change copy was fresh (true ms). */
  warmUntil: Map<string, number>;
  moved: Map<string, boolean>;
  requestedMoved: Set<string>;
  caused: Set<string>;
}

const ringOf = (ids: string): Ring => new Ring(ids.split(',').filter((id) => id !== '').map((id) => ({ id, url: `http://${id}.sim`, weight: 1 })));

export class MembershipOrigin implements Checker {
  readonly name = 'membership-origin';
  private readonly windows: Window[] = [];
  /** Key -> the latest successful origin answer: when, and for how long it is fresh. */
  private readonly latest = new Map<string, { t: number; lifetimeMs: number }>();
  private readonly purgedAt = new Map<string, number>();
  private caused = 0;
  private requestedMoved = 0;
  private changes = 0;
  private readonly examples: string[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly maxFraction: number,
  ) {}

  record(r: HistoryRecord): void {
    switch (r.type) {
      case 'membership': {
        this.changes++;
        const warmUntil = new Map<string, number>();
        for (const [key, answer] of this.latest) {
          const purged = this.purgedAt.get(key);
          if (purged === undefined || purged < answer.t) warmUntil.set(key, answer.t + answer.lifetimeMs);
        }
        this.windows.push({
          t: r.t,
          region: r.region,
          node: r.node,
          change: r.change,
          members: new Set([...r.before.split(','), ...r.after.split(',')]),
          before: ringOf(r.before),
          after: ringOf(r.after),
          warmUntil,
          moved: new Map(),
          requestedMoved: new Set(),
          caused: new Set(),
        });
        return;
      }
      case 'purge-accepted':
        this.purgedAt.set(r.key, r.t);
        return;
      case 'request':
        if (r.role !== 'client') return;
        for (const w of this.open(r.t)) {
          if (r.region === w.region && this.moved(w, r.key) && !w.requestedMoved.has(r.key)) {
            w.requestedMoved.add(r.key);
            this.requestedMoved++;
          }
        }
        return;
      case 'origin': {
        if (r.method !== 'GET') return;
        let counted = false;
        for (const w of this.open(r.t)) {
          if (!w.members.has(r.from) || !this.moved(w, r.key) || w.caused.has(r.key)) continue;
          const warm = w.warmUntil.get(r.key);
          const purged = this.purgedAt.get(r.key);
          if (warm === undefined || warm <= r.t || (purged !== undefined && purged > w.t - 1 && purged <= r.t)) continue;
          w.caused.add(r.key);
          if (!counted) {
            counted = true;
            this.caused++;
            if (this.examples.length < 5) this.examples.push(`t=${(r.t / 1000).toFixed(3)}s ${r.from} fetched ${r.key} from the origin ${r.t - w.t} ms after ${w.node}'s ${w.change}, though the region held it fresh`);
          }
        }
        if ((r.status === 200 || r.status === 304) && r.lifetimeMs !== undefined) this.latest.set(r.key, { t: r.t, lifetimeMs: r.lifetimeMs });
        return;
      }
      default:
        return;
    }
  }

  private open(t: number): Window[] {
    return this.windows.filter((w) => t >= w.t && t <= w.t + this.windowMs);
  }

  private moved(w: Window, target: string): boolean {
    let m = w.moved.get(target);
    if (m === undefined) {
      // The simulator's targets (`/o/<n>?size=<bytes>`) are already in normal form, and under
      // keyHost 'origin' the edges' cache key is the target itself.
      m = w.before.owner(target).id !== w.after.owner(target).id;
      w.moved.set(target, m);
    }
    return m;
  }

  bound(): number {
    return Math.floor(this.maxFraction * this.requestedMoved) + 1;
  }

  verdict(): Verdict {
    const bound = this.bound();
    const ok = this.caused <= bound;
    return {
      name: this.name,
      kind: 'correctness',
      ok,
      violations: ok ? 0 : this.caused - bound,
      examples: ok ? [] : [`${this.caused} origin fetches caused by ${this.changes} membership changes; bound ${bound} (${this.maxFraction} x ${this.requestedMoved} requested moved keys + 1)`, ...this.examples],
      stats: { changes: this.changes, requestedMovedKeys: this.requestedMoved, causedFetches: this.caused, causedFraction: this.requestedMoved === 0 ? 0 : this.caused / this.requestedMoved, bound },
    };
  }
}
