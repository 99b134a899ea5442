/**
 * Keys for handover tests on a cluster-harness region: a node's cache key for a path, whether a
 * node holds it, and a path the leaving node owns, filled into its cache.
 */
import * as assert from 'uvu/assert';
import type { ClusterHarness, ClusterNode } from './cluster-harness.js';

export const keyOf = (n: ClusterNode, path: string): string => n.edge.control.keyFor(undefined, path)!;

export const stored = (n: ClusterNode, path: string): boolean => n.edge.store.lookup(keyOf(n, path), {}).kind === 'match';

/** The first `${prefix}${i}${query}` that `leaver` owns, fetched through it so it holds a copy. */
export async function fillOwnedKey(c: ClusterHarness, leaver: ClusterNode, prefix: string, query: string): Promise<string> {
  let i = 0;
  while (!leaver.edge.cluster!.owns(keyOf(leaver, `${prefix}${i}${query}`))) i++;
  const path = `${prefix}${i}${query}`;
  assert.is((await c.get(leaver, path)).status, 200);
  assert.ok(stored(leaver, path), `${leaver.id} holds the key`);
  return path;
}
