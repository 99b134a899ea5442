/**
 * The graceful-leave push as the hostile push tests stage it: a ring of e1, e2, e3 in which e3 has
 * just left, the key owners among the survivors, and `PUT` requests carrying a push envelope,
 * signed as e3's Upstream.push signs them or dressed up by an attacker.
 */
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { bodyDigest } from '../../../../edge/routing/peer-auth.js';
import { CONTENT_DIGEST_HEADER } from '../../../../edge/routing/peer-fields.js';
import { TEST_PEER_SECRET, type ClusterHarness, type ClusterNode } from '../../../support/cluster-harness.js';
import { signedPeerHeaders } from '../../../support/peer-signing.js';

/** Sends `body` as a push to `node`; the status it answered. */
export async function put(node: ClusterNode, path: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  const res = await request(`${node.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body });
  await res.body.dump();
  return res.statusCode;
}

/** e3 leaves a ring of e1, e2, e3 (the others install the ring without it): pushes from e3 are now expected. */
export async function afterE3Left(c: ClusterHarness): Promise<{ survivors: ClusterNode[]; paths: string[] }> {
  const survivors = c.nodes.filter((n) => n.id !== 'e3');
  const ring = survivors.map((n) => ({ id: n.id, url: n.url, weight: 1 }));
  for (const n of survivors) n.edge.control.setMembers(ring);
  // Never-requested paths, each owned by a survivor in the new ring and recently left by e3 there.
  const paths = Array.from({ length: 200 }, (_, i) => `/pushed-${i}`).filter((p) => survivors.some((n) => n.edge.cluster!.owns(n.edge.control.keyFor(undefined, p)!)));
  for (const n of survivors) assert.ok(n.edge.cluster!.recentlyLeft('e3'), `${n.id} remembers e3`);
  return { survivors, paths };
}

export function ownerOf(nodes: ClusterNode[], path: string): ClusterNode {
  return nodes.find((n) => n.edge.cluster!.owns(n.edge.control.keyFor(undefined, path)!))!;
}

/** e3's signed push fields for `path` with `body`, as Upstream.push sends them (no digest without a body). */
export function signedPush(c: ClusterHarness, path: string, body: Buffer | undefined): Record<string, string> {
  const extra: Record<string, string> = { 'x-edgeworks-push': 'e3', 'x-edgeworks-purge-seq': '0' };
  if (body !== undefined) extra[CONTENT_DIGEST_HEADER] = bodyDigest(body);
  return signedPeerHeaders(TEST_PEER_SECRET, 'PUT', path, c.clock.wallMs(), { from: 'e3', extra });
}

export function stored(node: ClusterNode, path: string): boolean {
  return node.edge.store.lookup(node.edge.control.keyFor(undefined, path)!, {}).kind === 'match';
}
