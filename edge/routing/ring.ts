/**
 * The consistent-hash ring that names each key's owner among the edges of a region.
 *
 * - Control points. A member's points are `hash32(`${id}#${i}`) % RING_RANGE` for
 *   i < round(pointsPerWeight × weight). Every edge given the same members (in any order) builds
 *   the identical ring, in every run.
 * - Key position. `(top 24 bits of hash32(key)) << 5) % RING_RANGE`, uniform over the ring; the
 *   owner is the member of the first point at or after it, wrapping to the first point.
 *
 * Two members hashing a point to the same position: the member with the smaller id keeps it and
 * the other drops it. The rule depends only on the two ids, so adding or removing a third
 * member never moves a key between two members that stay.
 *
 * The ring was built on the `consistent-hash` package, fed the points above and, for each key, a
 * 3-character string whose PJW hash was the top 24 bits of hash32(key). This class keeps those
 * positions and that lookup exactly (test/edge/routing/ring.test.ts checks every owner and
 * successor list against the package) but holds the points in one sorted typed array: the
 * package kept them as keys of a plain object (a dictionary of up to 100,000 integer keys) and
 * sorted them with a comparator, which made a 4-member ring cost 4-10 ms to build. An edge
 * builds one at start and one per membership change, and the simulator builds every edge's
 * rings in every run (20% of a swarm seed's CPU, sim/README.md 2026-12-02 r-20i).
 */
import { MAX_RING_POINTS, ringBoundsProblem } from '../../common/ring-bounds.js';
import { hash32, suffixHasher } from './hash.js';

export interface RingMember {
  id: string;
  /** Base URL peers use to reach this member, e.g. `http://127.0.0.1:8082`. */
  url: string;
  /** Relative capacity; the share of keys owned is proportional to it. Config default 1. */
  weight: number;
}

/** Orders members by id, the order `Ring.members()` keeps and every membership comparison walks. */
export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface RingOptions {
  /** Control points per unit of weight. */
  pointsPerWeight?: number;
}

/**
 * Positions on the ring are integers in [0, RING_RANGE). A prime (2^24 − 3): a key's 24-bit
 * hash h goes to `(h << 5) % range`, which is a permutation of [0, range) only when the
 * range is odd, and a range near 2^24 keeps point collisions few (10 members × 2,000 points:
 * ~12 of 20,000 positions contested, each resolved by the rule above).
 */
export const RING_RANGE = 16_777_213;

/**
 * 2,000 points per unit weight: measured over 100k keys with members e1…eN (see
 * test/edge/routing/ring.test.ts), max/mean owned keys is 1.013 (3 members), 1.054 (5) and
 * 1.032 (10); over 40 other id sets the worst was 1.063 (10 members), against 1.126 with 500
 * points. Ring memory is ~2,000 × N numbers, built in a few ms; `owner` is a
 * binary search, so the count hardly affects its speed.
 */
export const DEFAULT_POINTS_PER_WEIGHT = 2000;

export class Ring {
  /** Members sorted by id; a point's owner is an index into this list. */
  private readonly sorted: readonly RingMember[];
  /** Control point positions, ascending, each once. */
  private readonly points: Uint32Array;
  /** For each point, the index in `sorted` of the member that holds it. */
  private readonly holders: Uint16Array;
  /** Control points placed (after collisions), at most MAX_RING_POINTS plus one per member. */
  readonly pointCount: number;
  private readonly ids: ReadonlySet<string>;

  constructor(members: readonly RingMember[], options: RingOptions = {}) {
    const requested = options.pointsPerWeight ?? DEFAULT_POINTS_PER_WEIGHT;
    if (!Number.isInteger(requested) || requested < 1) {
      throw new Error(`Ring: pointsPerWeight must be an integer >= 1, got ${requested}`);
    }
    // Every entry checks these bounds first; reaching here out of bounds is a programmer error.
    const problem = ringBoundsProblem(members);
    if (problem !== undefined) throw new Error(`Ring: ${problem}`);
    // Fewer points per unit of weight for large rings, the same on every edge (it depends only on
    // the members), so the whole ring stays within MAX_RING_POINTS.
    const totalWeight = members.reduce((sum, m) => sum + m.weight, 0);
    const pointsPerWeight = Math.min(requested, Math.max(1, Math.floor(MAX_RING_POINTS / totalWeight)));
    const copies = members.map((m) => {
      if (typeof m.id !== 'string' || m.id === '') throw new Error(`Ring: member id must be a non-empty string, got ${JSON.stringify(m.id)}`);
      if (!Number.isFinite(m.weight) || m.weight <= 0) throw new Error(`Ring: member ${m.id} weight must be a finite number > 0, got ${m.weight}`);
      return Object.freeze({ id: m.id, url: m.url, weight: m.weight });
    });
    // Order-independent: everything below walks the members by id.
    copies.sort(byId);
    for (let i = 1; i < copies.length; i++) {
      if (copies[i]!.id === copies[i - 1]!.id) throw new Error(`Ring: member id ${copies[i]!.id} appears twice`);
    }
    this.sorted = Object.freeze(copies);
    this.ids = new Set(copies.map((m) => m.id));

    const counts = copies.map((m) => Math.max(1, Math.round(pointsPerWeight * m.weight)));
    const total = counts.reduce((sum, n) => sum + n, 0);
    // Generated member by member, so in id order; a stable sort by position then leaves the
    // points of one position in id order, and the first of each (the smaller id) keeps it. The
    // later ones (a contest, or a member hashing two of its points to one position) are dropped.
    let points: Uint32Array = new Uint32Array(total);
    let holders: Uint16Array = new Uint16Array(total);
    let n = 0;
    for (const [index, member] of copies.entries()) {
      const pointHash = suffixHasher(`${member.id}#`); // hash32(`${member.id}#${i}`)
      for (let i = 0; i < counts[index]!; i++) {
        points[n] = pointHash(i) % RING_RANGE;
        holders[n++] = index;
      }
    }
    [points, holders] = stableSortByPosition(points, holders);
    let kept = 0;
    for (let i = 0; i < total; i++) {
      if (kept > 0 && points[kept - 1] === points[i]) continue;
      points[kept] = points[i]!;
      holders[kept] = holders[i]!;
      kept++;
    }
    this.points = points.subarray(0, kept);
    this.holders = holders.subarray(0, kept);
    this.pointCount = kept;
  }

  /** The member that owns `key`. Throws if the ring has no members (a programmer error). */
  owner(key: string): RingMember {
    if (this.pointCount === 0) throw new Error('Ring.owner: the ring has no members');
    return this.sorted[this.holders[this.firstPointAt(keyPosition(key))]!]!;
  }

  /**
   * Up to `n` distinct members in ring order from `key`'s position: the owner first, then the
   * fallback order. Empty when the ring is empty or `n` < 1.
   */
  successors(key: string, n: number): RingMember[] {
    const count = Math.min(Math.floor(n), this.sorted.length);
    if (!(count >= 1) || this.pointCount === 0) return [];
    const out: RingMember[] = [];
    const start = this.firstPointAt(keyPosition(key));
    for (let k = 0; k < this.pointCount && out.length < count; k++) {
      const member = this.sorted[this.holders[(start + k) % this.pointCount]!]!;
      if (!out.includes(member)) out.push(member);
    }
    return out;
  }

  /** Whether `id` is a member: a graceful leave's pushes are taken only from an edge that just left (Cluster.recentlyLeft). */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** The members, sorted by id. */
  members(): readonly RingMember[] {
    return this.sorted;
  }

  /** Index of the first point at or after `position`, wrapping to 0 past the last. */
  private firstPointAt(position: number): number {
    const points = this.points;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < position) lo = mid + 1;
      else hi = mid;
    }
    return lo === points.length ? 0 : lo;
  }
}

const RADIX_BITS = 12;
const RADIX = 1 << RADIX_BITS;
// Two passes cover a position only if positions fit in 2 x RADIX_BITS bits.
if (RING_RANGE > RADIX * RADIX) throw new Error('ring: RING_RANGE must fit in two radix digits');

/**
 * Positions (below 2^24) in ascending order, each with its holder, equal positions keeping their
 * input order: a least-significant-digit radix sort, two passes of 12 bits. Linear, where a
 * comparison sort of a 100,000-point ring costs several times more.
 */
function stableSortByPosition(points: Uint32Array, holders: Uint16Array): [Uint32Array, Uint16Array] {
  let fromPoints = points;
  let fromHolders = holders;
  let toPoints: Uint32Array = new Uint32Array(points.length);
  let toHolders: Uint16Array = new Uint16Array(points.length);
  const starts = new Uint32Array(RADIX);
  for (let shift = 0; shift < 2 * RADIX_BITS; shift += RADIX_BITS) {
    starts.fill(0);
    for (let i = 0; i < fromPoints.length; i++) starts[(fromPoints[i]! >>> shift) & (RADIX - 1)]!++;
    let at = 0;
    for (let d = 0; d < RADIX; d++) {
      const count = starts[d]!;
      starts[d] = at;
      at += count;
    }
    for (let i = 0; i < fromPoints.length; i++) {
      const to = starts[(fromPoints[i]! >>> shift) & (RADIX - 1)]!++;
      toPoints[to] = fromPoints[i]!;
      toHolders[to] = fromHolders[i]!;
    }
    [fromPoints, toPoints] = [toPoints, fromPoints];
    [fromHolders, toHolders] = [toHolders, fromHolders];
  }
  return [fromPoints, fromHolders];
}

/** Where `key` falls on the ring: the top 24 bits of hash32(key), scaled by 32, modulo the range. */
function keyPosition(key: string): number {
  return ((hash32(key) >>> 8) << 5) % RING_RANGE;
}
