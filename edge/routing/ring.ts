/**
 * The consistent-hash ring that names each key's owner among the edges of a region.
 *
 * Built on `consistent-hash`, with two of its defaults replaced:
 * - Control points. The library draws them from `Math.random()`, so two processes would build
 *   different rings. Here a member's points are `hash32(`${id}#${i}`) % RING_RANGE` for
 *   i < round(pointsPerWeight × weight), passed to `add(node, weight, points)`. Every edge given
 *   the same members (in any order) builds the identical ring, in every run.
 * - Key hash. The library hashes `get`'s argument with a 24-bit PJW variant that clusters
 *   similar keys (`/obj/1`, `/obj/2`, …). `owner` first mixes the key with `hash32`, then hands
 *   the library a 3-character string whose PJW hash is exactly the top 24 bits of that mix, so
 *   the library's position `(pjw << 5) % RING_RANGE` is uniform over the ring.
 *
 * Two members hashing a point to the same position: the member with the smaller id keeps it and
 * the other drops it. The rule depends only on the two ids, so adding or removing a third
 * member never moves a key between two members that stay.
 */
import ConsistentHash from 'consistent-hash';
import { MAX_RING_POINTS, ringBoundsProblem } from '../../common/ring-bounds.js';
import { hash32 } from './hash.js';

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
 * Positions on the ring are integers in [0, RING_RANGE). A prime (2^24 − 3): the library maps a
 * 24-bit hash h to `(h << 5) % range`, which is a permutation of [0, range) only when the
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
  private readonly ring: ConsistentHash<RingMember>;
  private readonly sorted: readonly RingMember[];
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

    this.ring = new ConsistentHash<RingMember>({ range: RING_RANGE });
    const taken = new Set<number>();
    for (const member of copies) {
      const count = Math.max(1, Math.round(pointsPerWeight * member.weight));
      const points: number[] = [];
      for (let i = 0; i < count; i++) {
        const point = hash32(`${member.id}#${i}`) % RING_RANGE;
        // Smaller id first, so the smaller id keeps a contested position.
        if (taken.has(point)) continue;
        taken.add(point);
        points.push(point);
      }
      this.ring.add(member, points.length, points);
    }
    this.pointCount = taken.size;
    // The library sorts its points on the first lookup: do it now, not on the first miss.
    this.ring.get('');
  }

  /** The member that owns `key`. Throws if the ring has no members (a programmer error). */
  owner(key: string): RingMember {
    const member = this.ring.get(ringName(key));
    if (member === null) throw new Error('Ring.owner: the ring has no members');
    return member;
  }

  /**
   * Up to `n` distinct members in ring order from `key`'s position: the owner first, then the
   * fallback order. Empty when the ring is empty or `n` < 1.
   */
  successors(key: string, n: number): RingMember[] {
    const count = Math.min(Math.floor(n), this.sorted.length);
    if (!(count >= 1)) return [];
    return this.ring.get(ringName(key), count) ?? [];
  }

  /** The members, sorted by id. */
  /** Whether `id` is a member: a graceful leave's pushes are taken only from an edge that just left (Cluster.recentlyLeft). */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  members(): readonly RingMember[] {
    return this.sorted;
  }
}

/**
 * The string handed to the library for `key`: three UTF-16 code units whose PJW hash (as the
 * library computes it: h = (h << 4) + c, no overflow below 2^24) equals v, the top 24 bits of
 * hash32(key): (c0 << 8) + (c1 << 4) + c2 with c0 = v >>> 8, c1 = 0, c2 = v & 0xff.
 */
function ringName(key: string): string {
  const v = hash32(key) >>> 8;
  return String.fromCharCode(v >>> 8, 0, v & 0xff);
}
