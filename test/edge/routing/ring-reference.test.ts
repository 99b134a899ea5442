/**
 * The ring against the `consistent-hash` package it was first built on: the same members must
 * give every key the same owner and the same successor list, or edges running an older build
 * would disagree with newer ones about who owns what. The reference below is the old Ring's
 * construction, kept verbatim: each member's points (the smaller id keeps a contested position)
 * handed to the package's `add`, and each key looked up through the 3-character string whose PJW
 * hash is the top 24 bits of hash32(key).
 */
import ConsistentHash from 'consistent-hash';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_RING_POINTS } from '../../../common/ring-bounds.js';
import { hash32 } from '../../../edge/routing/hash.js';
import { DEFAULT_POINTS_PER_WEIGHT, Ring, RING_RANGE, type RingMember } from '../../../edge/routing/ring.js';

interface ReferenceRing {
  owner(key: string): string;
  successors(key: string, n: number): string[];
}

function referenceRing(members: readonly RingMember[]): ReferenceRing {
  const totalWeight = members.reduce((sum, m) => sum + m.weight, 0);
  const pointsPerWeight = Math.min(DEFAULT_POINTS_PER_WEIGHT, Math.max(1, Math.floor(MAX_RING_POINTS / totalWeight)));
  const sorted = [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ring = new ConsistentHash<RingMember>({ range: RING_RANGE });
  const taken = new Set<number>();
  for (const member of sorted) {
    const count = Math.max(1, Math.round(pointsPerWeight * member.weight));
    const points: number[] = [];
    for (let i = 0; i < count; i++) {
      const point = hash32(`${member.id}#${i}`) % RING_RANGE;
      if (taken.has(point)) continue;
      taken.add(point);
      points.push(point);
    }
    ring.add(member, points.length, points);
  }
  const name = (key: string): string => {
    const v = hash32(key) >>> 8;
    return String.fromCharCode(v >>> 8, 0, v & 0xff);
  };
  return {
    owner: (key) => ring.get(name(key))!.id,
    successors: (key, n) => (ring.get(name(key), Math.min(n, sorted.length)) ?? []).map((m) => m.id),
  };
}

function named(ids: readonly string[], weights: readonly number[] = []): RingMember[] {
  return ids.map((id, i) => ({ id, url: `http://${id}.example:8080`, weight: weights[i] ?? 1 }));
}

const KEYS = Array.from({ length: 50_000 }, (_, i) => (i % 3 === 0 ? `cdn.example/o/${i}?size=${512 + i}` : `127.0.0.1:8081/obj/${i}`));

const SETS: Array<[string, RingMember[]]> = [
  ['one member', named(['r1-e1'])],
  ['a simulated region', named(['r1-e1', 'r1-e2', 'r1-e3', 'r1-e4'])],
  ['the same, one left', named(['r1-e1', 'r1-e3', 'r1-e4'])],
  // 10 members x 2,000 points: about a dozen positions contested, each kept by the smaller id.
  ['ten members', named(Array.from({ length: 10 }, (_, i) => `e${i + 1}`))],
  ['weights', named(['a', 'b', 'c', 'd'], [1, 2, 0.5, 3.25])],
  // Weights summing past 50: fewer points per unit of weight, MAX_RING_POINTS in all.
  ['a large ring', named(Array.from({ length: 120 }, (_, i) => `edge-${String(i).padStart(3, '0')}`), Array.from({ length: 120 }, (_, i) => 1 + (i % 7)))],
];

for (const [label, members] of SETS) {
  test(`same owners and successors as the consistent-hash ring: ${label}`, () => {
    const ring = new Ring(members);
    const reference = referenceRing(members);
    let differ = 0;
    for (const key of KEYS) if (ring.owner(key).id !== reference.owner(key)) differ++;
    assert.is(differ, 0, `${differ} of ${KEYS.length} owners differ`);
    for (let i = 0; i < KEYS.length; i += 7) {
      const key = KEYS[i]!;
      for (const n of [2, 3, 5]) assert.equal(ring.successors(key, n).map((m) => m.id), reference.successors(key, n), `${key} n=${n}`);
    }
  });
}

test('contested positions exist in the ten-member ring, so the tie rule is exercised', () => {
  const ring = new Ring(named(Array.from({ length: 10 }, (_, i) => `e${i + 1}`)));
  assert.ok(ring.pointCount < 10 * DEFAULT_POINTS_PER_WEIGHT, `${ring.pointCount} points`);
});

test.run();
