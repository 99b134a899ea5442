/**
 * The Host an HTTP/2 request is handled under (RFC 9113 §8.3.1): `:authority` when present, else
 * the Host field. A request carrying both must name one authority in both; RFC 9113 §8.3.1 lets a
 * server treat a disagreement as malformed, and we must: the pipeline keys by Host while a proxy or
 * origin behind it may read `:authority`, and a cache that keys one name and serves another is a
 * cache-poisoning bug. Both are compared in their canonical spelling (see canonicalHost), so case
 * and an explicit default port are no disagreement.
 */
import { canonicalHost } from './request-target.js';

export type H2Authority =
  /** The value the pipeline reads as Host (then checked by its own Host rules); absent when neither was sent. */
  | { kind: 'host'; host: string | undefined }
  | { kind: 'mismatch' };

export function h2Authority(authority: string | undefined, host: string | string[] | undefined): H2Authority {
  if (authority === undefined) return { kind: 'host', host: typeof host === 'string' ? host : undefined };
  if (host === undefined) return { kind: 'host', host: authority };
  if (typeof host !== 'string') return { kind: 'mismatch' };
  if (host === authority) return { kind: 'host', host: authority };
  const a = canonicalHost(authority);
  return a !== undefined && a === canonicalHost(host) ? { kind: 'host', host: authority } : { kind: 'mismatch' };
}
