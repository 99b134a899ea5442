/**
 * Validation with the origin (RFC 9111 §4.3): the conditional request a stored response
 * allows, and how a 304 updates the stored header fields (§3.2, §4.3.4).
 */
import type { HeaderList } from '../../common/http.js';
import { hopByHopNames } from './hop-by-hop.js';

export interface StoredValidators {
  etag: string | undefined;
  lastModified: string | undefined;
}

/** If-None-Match from the stored ETag and If-Modified-Since from Last-Modified, verbatim (§4.3.1). */
export function conditionalRequestHeaders(stored: StoredValidators): HeaderList {
  const out: HeaderList = [];
  if (stored.etag !== undefined) out.push(['if-none-match', stored.etag]);
  if (stored.lastModified !== undefined) out.push(['if-modified-since', stored.lastModified]);
  return out;
}

/** Fields a 304 never changes: framing is ours, Content-Length describes the stored body. */
const NOT_UPDATED = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'content-range']);

/**
 * Merges a 304's header fields into the stored ones (§3.2): each field the 304 carries
 * replaces every stored line of that name; the rest stay.
 */
export function mergeNotModified(stored: HeaderList, notModified: HeaderList): HeaderList {
  const skip = hopByHopNames(notModified.find(([n]) => n === 'connection')?.[1]);
  const updates = notModified.filter(([name]) => !skip.has(name) && !NOT_UPDATED.has(name));
  const replaced = new Set(updates.map(([name]) => name));
  return [...stored.filter(([name]) => !replaced.has(name)), ...updates];
}

/**
 * Whether a 304 applies to the stored response (§4.3.4): its strong ETag must match when both
 * have one; without validators in the 304 it applies to the one we validated.
 */
export function notModifiedSelects(storedEtag: string | undefined, notModified: HeaderList): boolean {
  const etag = notModified.find(([n]) => n === 'etag')?.[1];
  if (etag === undefined || storedEtag === undefined) return true;
  const opaque = (t: string) => (t.startsWith('W/') ? t.slice(2) : t);
  return opaque(etag) === opaque(storedEtag);
}
