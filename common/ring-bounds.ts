/**
 * Bounds on a region's ring, shared by every entry that can change one: edge flags and config,
 * the edge admin port's PUT /membership, the control plane's heartbeats and the membership it
 * pushes, and the Ring itself. A ring's cost (memory, rebuild time) grows with its points, and its
 * points with members and weights, so both are bounded before any work is done.
 */
import { Type } from '@sinclair/typebox';

/** Largest ring weight: a member may own up to 100 times the keys of a weight-1 member. */
export const MAX_RING_WEIGHT = 100;
/** Most members one region's ring may have. */
export const MAX_RING_MEMBERS = 1_000;
/**
 * Most control points a ring is built with (beyond one per member). Rings whose weights sum to at
 * most 50 keep 2,000 points per unit of weight; larger ones get proportionally fewer per unit,
 * so the largest ring allowed (1,000 members of weight 100) is still 100,000 points, rebuilt in
 * about 5 ms (median of 5; 87-118 ms with the consistent-hash package; shared 2-core machine,
 * `npm run bench`, "ring rebuild at the maximum").
 */
export const MAX_RING_POINTS = 100_000;

const WEIGHT_DESCRIPTION = `a ring weight above 0 and at most ${MAX_RING_WEIGHT}`;

/** A ring weight as the schemas at every entry accept it. */
export function ringWeightSchema(options: { default?: number } = {}) {
  return Type.Number({ exclusiveMinimum: 0, maximum: MAX_RING_WEIGHT, description: WEIGHT_DESCRIPTION, ...options });
}

/** Array options for a list of ring members. */
export const RING_MEMBERS_ARRAY = { maxItems: MAX_RING_MEMBERS } as const;

/** Why a membership may not become a ring (one line naming the member), or undefined when it may. */
export function ringBoundsProblem(members: ReadonlyArray<{ id: string; weight: number }>): string | undefined {
  if (members.length > MAX_RING_MEMBERS) return `members: a ring has at most ${MAX_RING_MEMBERS} members, got ${members.length}`;
  for (const m of members) {
    if (!(Number.isFinite(m.weight) && m.weight > 0 && m.weight <= MAX_RING_WEIGHT)) {
      return `members.${m.id}.weight: must be ${WEIGHT_DESCRIPTION}, got ${JSON.stringify(m.weight)}`;
    }
  }
  return undefined;
}
