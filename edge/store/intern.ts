/**
 * Interning of header names and values. Most stored responses repeat the same strings
 * (Content-Type, Cache-Control, a Date shared by everything filled in one second), and V8 keeps
 * one copy per response unless told otherwise. Sharing them is most of the per-object overhead
 * a cache of small objects can save. The table is bounded: when full it starts over, which costs
 * only sharing, never correctness.
 */

export const MAX_INTERNED = 16_384;
/** Longer values are nearly always unique (cookies, long lists); interning them only costs. */
export const MAX_INTERNED_LENGTH = 128;

const table = new Map<string, string>();

export function intern(value: string): string {
  if (value.length > MAX_INTERNED_LENGTH) return value;
  const shared = table.get(value);
  if (shared !== undefined) return shared;
  if (table.size >= MAX_INTERNED) table.clear();
  table.set(value, value);
  return value;
}
