/**
 * The primary cache key (RFC 9111 §2): the target URI in its canonical spelling (see
 * request-target.ts), and under keyHost 'request' the request's Host before it. The method is
 * not part of it: only GET responses are stored, and HEAD is answered from them.
 */
import { canonicalHost, canonicalTarget } from './request-target.js';

/** Whose authority names an object: the origin's (left out of the key: it is the same for all) or the client's Host. */
export type KeyHost = 'origin' | 'request';

/**
 * The key of a URL, whether it came from a request, a purge or a Location field: the same rules
 * for all, so a purge removes every spelling a request could have stored under. Undefined when a
 * request naming it would have been refused (400), so nothing can be stored under it.
 */
export function primaryKey(keyHost: KeyHost, host: string | undefined, target: string): string | undefined {
  const path = canonicalTarget(target);
  if (typeof path !== 'string') return undefined;
  if (keyHost === 'origin') return path;
  const authority = host === undefined ? undefined : canonicalHost(host);
  return authority === undefined ? undefined : `${authority}${path}`;
}
