/**
 * The consistent-hash ring: every edge names the same owner, keys spread evenly, membership
 * changes move only the keys they must.
 *
 * Keys are `127.0.0.1:8081/obj/0` … `/obj/99999` (primary keys as the edge builds them). Members
 * are e1…eN with the default 2,000 points per unit weight. The ring is deterministic, so every
 * number below is fixed for this key set; the bounds say how far it may drift before a change
 * to the hash or the point count is a regression.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ring, type RingMember } from '../../../edge/routing/ring.js';

const KEY_COUNT = 100_000;
const KEYS: readonly string[] = Array.from({ length: KEY_COUNT }, (_, i) => `127.0.0.1:8081/obj/${i}`);

function members(n: number, weights: readonly number[] = []): RingMember[] {
  return Array.from({ length: n }, (_, i) => ({ id: `e${i + 1}`, url: `http://127.0.0.1:${8081 + i}`, weight: weights[i] ?? 1 }));
}

function owners(ring: Ring): string[] {
  return KEYS.map((k) => ring.owner(k).id);
}

function counts(ownerIds: readonly string[]): Map<string, number> {
  const c = new Map<string, number>();
  for (const id of ownerIds) c.set(id, (c.get(id) ?? 0) + 1);
  return c;
}

/** A fixed permutation (seeded LCG Fisher–Yates), so the test needs no Math.random. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

test('agreement: the same members in any order name the same owner for 100k keys', () => {
  const list = members(5);
  const reference = owners(new Ring(list));
  for (const order of [[...list].reverse(), shuffled(list, 1), shuffled(list, 2)]) {
    const ring = new Ring(order);
    const got = owners(ring);
    let differ = 0;
    for (let i = 0; i < KEY_COUNT; i++) if (got[i] !== reference[i]) differ++;
    assert.is(differ, 0, `order ${order.map((m) => m.id).join(',')}`);
    assert.equal(ring.members().map((m) => m.id), ['e1', 'e2', 'e3', 'e4', 'e5']);
  }
  const a = new Ring(list);
  const b = new Ring(shuffled(list, 3));
  for (let i = 0; i < KEY_COUNT; i += 97) {
    assert.equal(a.successors(KEYS[i]!, 5).map((m) => m.id), b.successors(KEYS[i]!, 5).map((m) => m.id));
  }
});

test('determinism: separate constructions give the same ring; owners are pinned across versions', () => {
  assert.equal(owners(new Ring(members(3))), owners(new Ring(members(3))));
  // Edges running different builds must still agree: a change to the point or key hash, the
  // range or the default point count changes these and must be a deliberate, fleet-wide one.
  const ring = new Ring(members(5));
  const pinned = ['127.0.0.1:8081/obj/0', '127.0.0.1:8081/obj/1', '127.0.0.1:8081/obj/2', 'example.com/', 'example.com/a?b=c'];
  assert.equal(pinned.map((k) => ring.owner(k).id), PINNED_OWNERS);
});
const PINNED_OWNERS = ['e1', 'e2', 'e2', 'e5', 'e4'];

/*
 * Balance. Measured max/mean owned keys over these 100k keys: 3 members 1.013, 5 members 1.054,
 * 10 members 1.032. With V points per member a member's share has a relative standard deviation
 * of about 1/sqrt(V) ≈ 2.2% (V = 2,000), plus ~1% sampling noise from 10k–33k keys each; the
 * largest of 10 members sits about 1.5σ above the mean, so ~1.04–1.06 is expected and 1.10 (the
 * issue's target) is ~4σ away. Over 40 other id sets ("s<k>-edge-<i>") the worst seen was 1.051
 * (3), 1.056 (5) and 1.063 (10); with 500 points it was 1.126 for 10, hence 2,000.
 */
for (const n of [3, 5, 10]) {
  test(`balance: max/mean owned keys <= 1.10 with ${n} equal members`, () => {
    const c = counts(owners(new Ring(members(n))));
    assert.is(c.size, n);
    const max = Math.max(...c.values());
    const ratio = max / (KEY_COUNT / n);
    assert.ok(ratio <= 1.1, `max/mean ${ratio.toFixed(4)}`);
  });
}

/*
 * Removal of one of five. Only the removed member's keys may move (consistent hashing: every
 * surviving point keeps its position), so the moved fraction is exactly the removed member's
 * share: ideal 20%; measured 21.09% (e1), 19.82%, 19.86%, 19.43%, 19.80% (e2…e5). 22% allows a member 10% above the
 * mean share, the same bound as balance.
 */
test('removing one of five members moves <= 22% of keys, all of them from the removed member', () => {
  const five = members(5);
  const before = owners(new Ring(five));
  for (const removed of five) {
    const after = owners(new Ring(five.filter((m) => m.id !== removed.id)));
    let moved = 0;
    let movedBetweenSurvivors = 0;
    let ownedByRemoved = 0;
    for (let i = 0; i < KEY_COUNT; i++) {
      if (before[i] === removed.id) ownedByRemoved++;
      if (before[i] !== after[i]) {
        moved++;
        if (before[i] !== removed.id) movedBetweenSurvivors++;
      }
      assert.ok(after[i] !== removed.id);
    }
    assert.is(movedBetweenSurvivors, 0, `keys moved between survivors when ${removed.id} left`);
    assert.is(moved, ownedByRemoved, `every key of ${removed.id} moves`);
    assert.ok(moved / KEY_COUNT <= 0.22, `${removed.id} removed: ${((100 * moved) / KEY_COUNT).toFixed(2)}% moved`);
  }
});

/*
 * Adding a sixth member: ideal 1/6 = 16.7% of keys move, all to the new member. Measured 16.62%.
 * Bound 16.7% ± 2.5 points: the new member's share has σ ≈ 2.2% of 16.7% ≈ 0.4 points, plus
 * sampling noise (~0.1 points), so ±2.5 points is several σ and still catches a ring that
 * reshuffles (moving ≥ 1/3) or one that ignores the new member.
 */
test('adding a sixth member moves about 1/6 of keys, only to the new member', () => {
  const before = owners(new Ring(members(5)));
  const after = owners(new Ring(members(6)));
  let moved = 0;
  for (let i = 0; i < KEY_COUNT; i++) {
    if (before[i] === after[i]) continue;
    moved++;
    assert.is(after[i], 'e6', `key ${KEYS[i]} moved from ${before[i]} to ${after[i]}`);
  }
  const fraction = moved / KEY_COUNT;
  assert.ok(Math.abs(fraction - 1 / 6) <= 0.025, `moved ${(100 * fraction).toFixed(2)}%`);
});

/*
 * Weights: e1 has weight 2 (4,000 points), e2…e4 weight 1. Ideal shares 40% / 20% each, so e1
 * owns 2.0× the mean of the others; measured 2.053 (40,627 vs 19,598–19,983); weight 0.5 measured 0.514. Tolerance ±0.15: e1's share and the
 * others' mean each carry ~2% relative σ (points) plus sampling noise, ~3% on the ratio, so
 * 0.15 (7.5%) is over 2σ of slack and still rejects weights being ignored (1.0×) or squared (4×).
 */
test('weights: a weight-2 member owns about twice the keys of a weight-1 member', () => {
  const ring = new Ring(members(4, [2, 1, 1, 1]));
  const c = counts(owners(ring));
  const heavy = c.get('e1') ?? 0;
  const lightMean = ((c.get('e2') ?? 0) + (c.get('e3') ?? 0) + (c.get('e4') ?? 0)) / 3;
  const ratio = heavy / lightMean;
  assert.ok(Math.abs(ratio - 2) <= 0.15, `weight-2 / weight-1 owned keys ${ratio.toFixed(3)}`);
  // Fractional weights are proportional too.
  const half = counts(owners(new Ring([...members(3), { id: 'e4', url: 'http://127.0.0.1:8084', weight: 0.5 }])));
  const halfRatio = (half.get('e4') ?? 0) / (((half.get('e1') ?? 0) + (half.get('e2') ?? 0) + (half.get('e3') ?? 0)) / 3);
  assert.ok(Math.abs(halfRatio - 0.5) <= 0.05, `weight-0.5 / weight-1 owned keys ${halfRatio.toFixed(3)}`);
});

test('successors: distinct members, owner first, clamped to the member count', () => {
  const ring = new Ring(members(5));
  for (let i = 0; i < KEY_COUNT; i += 1009) {
    const key = KEYS[i]!;
    for (const n of [1, 2, 3, 5]) {
      const s = ring.successors(key, n);
      assert.is(s.length, n);
      assert.is(s[0]!.id, ring.owner(key).id);
      assert.is(new Set(s.map((m) => m.id)).size, n);
      // Shorter lists are prefixes of longer ones: one fallback order per key.
      assert.equal(s.map((m) => m.id), ring.successors(key, 5).slice(0, n).map((m) => m.id));
    }
    assert.is(ring.successors(key, 9).length, 5);
    assert.equal(ring.successors(key, 0), []);
  }
  // The first successor after the owner is who owns the key once the owner is gone.
  const five = members(5);
  for (let i = 0; i < KEY_COUNT; i += 1009) {
    const [owner, next] = ring.successors(KEYS[i]!, 2);
    const without = new Ring(five.filter((m) => m.id !== owner!.id));
    assert.is(without.owner(KEYS[i]!).id, next!.id);
  }
});

test('members() sorted by id, and the ring keeps its own copies', () => {
  const list = members(3).reverse();
  const ring = new Ring(list);
  assert.equal(ring.members().map((m) => m.id), ['e1', 'e2', 'e3']);
  const before = owners(ring).slice(0, 1000);
  list[0]!.weight = 5; // mutating the caller's objects does not change the built ring
  assert.equal(owners(ring).slice(0, 1000), before);
  assert.is(ring.members()[2]!.weight, 1);
});

test('an empty ring: owner throws, successors is empty', () => {
  const ring = new Ring([]);
  assert.throws(() => ring.owner('example.com/'), /no members/);
  assert.equal(ring.successors('example.com/', 3), []);
  assert.equal(ring.members(), []);
});

test('programmer errors throw: duplicate ids, bad weights, bad point counts', () => {
  assert.throws(() => new Ring([...members(2), { id: 'e1', url: 'http://x', weight: 1 }]), /appears twice/);
  assert.throws(() => new Ring([{ id: 'e1', url: 'http://x', weight: 0 }]), /weight/);
  assert.throws(() => new Ring([{ id: 'e1', url: 'http://x', weight: Number.NaN }]), /weight/);
  assert.throws(() => new Ring([{ id: '', url: 'http://x', weight: 1 }]), /id/);
  assert.throws(() => new Ring(members(2), { pointsPerWeight: 0 }), /pointsPerWeight/);
});

test.run();
