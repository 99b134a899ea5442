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
 * Bound: caused fetches <= floor((maxFraction + background) x requested moved keys) + 1, where
 * requested moved keys is the number of (change, moved key) pairs a client asked for within the
 * window. The +1 absorbs one unlucky fetch on small sets (a cold key whose previous owner was
 * itself still filling it); with handoff disabled (--break handoff) nearly every requested moved
 * key is caused.
 *
 * `background` is the same measure over the keys that did NOT move, in the same windows: origin
 * fetches of an unmoved key the region held fresh, per requested unmoved key. Those fetches have
 * nothing to do with the change (a lost packet makes the owner suspect for peerSuspectMs and its
 * keys go to a successor, which fetches from the origin; an owner behind on purges answers
 * purge-lag), and they hit moved keys at the same rate: without this term a run with 1.5% packet
 * loss counted them as handoff failures (swarm seeds 517, 707, 817). A change that really loses
 * its warm keys shows as moved keys fetched far above that rate.
 *
 * Only changes in an otherwise quiet run are judged: once any other fault has happened (a crash,
 * partition, clock fault, origin outage or disk fault, as the swarm mixes in) before a change's
 * window closes, the previous owner may be unreachable, leaseless or unable to sign, so an
 * origin fetch no longer shows that handoff failed. Such changes are counted as `disturbedChanges`.
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
  /** The same for keys that did not move: the background rate of origin fetches of warm keys. */
  requestedUnmoved: Set<string>;
  background: Set<string>;
}

const ringOf = (ids: string): Ring => new Ring(ids.split(',').filter((id) => id !== '').map((id) => ({ id, url: `http://${id}.sim`, weight: 1 })));

export class MembershipOrigin implements Checker {
  readonly name = 'membership-origin';
  private readonly windows: Window[] = [];
  /**
   * Region -> key -> the latest successful origin answer to an edge of that region: when, and for
   * how long it is fresh. Per region: another region's copy is not one this region's previous
   * owner could have answered with.
   */
  private readonly latest = new Map<string, Map<string, { t: number; lifetimeMs: number }>>();

  private readonly purgedAt = new Map<string, number>();
  /** Each caused fetch with the windows it fell in: it counts once if any of them is judged. */
  private readonly causedFetches: Window[][] = [];
  /** True time of the first fault other than a join, leave or graceful restart. */
  private disturbedAtMs = Infinity;
  private changes = 0;
  private caused = 0;
  private requestedMoved = 0;
  private readonly examples: string[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly maxFraction: number,
    /** Edge id -> its region. */
    private readonly regionOf: ReadonlyMap<string, string>,
  ) {}

  record(r: HistoryRecord): void {
    switch (r.type) {
      case 'fault':
        if (r.kind !== 'join' && r.kind !== 'leave' && r.kind !== 'settle' && !(r.kind === 'restart' && r.detail.endsWith(' graceful'))) this.disturbedAtMs = Math.min(this.disturbedAtMs, r.t);
        return;
      case 'membership': {
        const warmUntil = new Map<string, number>();
        for (const [key, answer] of this.latest.get(r.region) ?? []) {
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
          requestedUnmoved: new Set(),
          background: new Set(),
        });
        return;
      }
      case 'purge-accepted':
        this.purgedAt.set(r.key, r.t);
        return;
      case 'request':
        if (r.role !== 'client') return;
        for (const w of this.windows) {
          if (!this.isOpen(w, r.t) || r.region !== w.region) continue;
          (this.moved(w, r.key) ? w.requestedMoved : w.requestedUnmoved).add(r.key);
        }
        return;
      case 'origin': {
        if (r.method !== 'GET') return;
        const causedIn: Window[] = [];
        for (const w of this.windows) {
          if (!this.isOpen(w, r.t) || !w.members.has(r.from)) continue;
          const moved = this.moved(w, r.key);
          if ((moved ? w.caused : w.background).has(r.key)) continue;
          const warm = w.warmUntil.get(r.key);
          const purged = this.purgedAt.get(r.key);
          if (warm === undefined || warm <= r.t || (purged !== undefined && purged > w.t - 1 && purged <= r.t)) continue;
          if (!moved) {
            w.background.add(r.key);
            continue;
          }
          w.caused.add(r.key);
          if (causedIn.length === 0 && this.examples.length < 5 && this.judged(w)) this.examples.push(`t=${(r.t / 1000).toFixed(3)}s ${r.from} fetched ${r.key} from the origin ${r.t - w.t} ms after ${w.node}'s ${w.change}, though the region held it fresh`);
          causedIn.push(w);
        }
        if (causedIn.length > 0) this.causedFetches.push(causedIn);
        const region = this.regionOf.get(r.from);
        if ((r.status === 200 || r.status === 304) && r.lifetimeMs !== undefined && region !== undefined) {
          let keys = this.latest.get(region);
          if (keys === undefined) this.latest.set(region, (keys = new Map()));
          keys.set(r.key, { t: r.t, lifetimeMs: r.lifetimeMs });
        }
        return;
      }
      default:
        return;
    }
  }

  /** Whether window `w` is open at `t`. Tested in a loop rather than filtered into a new list: every client request and origin fetch asks. */
  private isOpen(w: Window, t: number): boolean {
    return t >= w.t && t <= w.t + this.windowMs;
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

  /** A change is judged when no other fault happened before its window closed. */
  private judged(w: Window): boolean {
    return this.disturbedAtMs > w.t + this.windowMs;
  }

  verdict(): Verdict {
    const judged = this.windows.filter((w) => this.judged(w));
    this.requestedMoved = judged.reduce((n, w) => n + w.requestedMoved.size, 0);
    this.caused = this.causedFetches.filter((ws) => ws.some((w) => this.judged(w))).length;
    this.changes = judged.length;
    const requestedUnmoved = judged.reduce((n, w) => n + w.requestedUnmoved.size, 0);
    const backgroundFetches = judged.reduce((n, w) => n + w.background.size, 0);
    const background = requestedUnmoved === 0 ? 0 : backgroundFetches / requestedUnmoved;
    const bound = Math.floor((this.maxFraction + background) * this.requestedMoved) + 1;
    const ok = this.caused <= bound;
    return {
      name: this.name,
      kind: 'correctness',
      ok,
      violations: ok ? 0 : this.caused - bound,
      examples: ok
        ? []
        : [
            `${this.caused} origin fetches caused by ${this.changes} membership changes; bound ${bound} ((${this.maxFraction} + background ${background.toFixed(3)}) x ${this.requestedMoved} requested moved keys + 1)`,
            ...this.examples,
          ],
      stats: {
        changes: this.changes,
        disturbedChanges: this.windows.length - judged.length,
        requestedMovedKeys: this.requestedMoved,
        causedFetches: this.caused,
        causedFraction: this.requestedMoved === 0 ? 0 : this.caused / this.requestedMoved,
        requestedUnmovedKeys: requestedUnmoved,
        backgroundFetches,
        backgroundFraction: background,
        bound,
      },
    };
  }
}
