/**
 * Rewrites a GET or HEAD's Accept-Encoding to its normalized value before the request is keyed
 * or forwarded (edge/policy/accept-encoding.ts). Clients send few distinct spellings, so each
 * is parsed once: a bounded memo (cleared when full, never grown) keeps the hit path to one map
 * lookup.
 */
import type { RequestHeaders } from '../../common/http.js';
import { flatCopy } from '../../common/flat-string.js';
import { normalizeAcceptEncoding, type NormalizedEncoding } from '../policy/accept-encoding.js';

/** Distinct Accept-Encoding spellings remembered; real traffic has a few dozen. */
export const MAX_MEMO_ENTRIES = 1024;

export class AcceptEncodingNormalizer {
  private readonly memo = new Map<string, NormalizedEncoding>();

  /**
   * Rewrites in place: the request's header object is the edge's own (node makes one per
   * request), and a copy would cost every hit an allocation.
   */
  apply(requestHeaders: RequestHeaders): void {
    const headers = requestHeaders as Record<string, string | string[] | undefined>;
    const raw = headers['accept-encoding'];
    // node joins repeated Accept-Encoding lines with ", ", so an array only comes from the simulator.
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (value === 'br' || value === 'gzip' || value === 'identity') return;
    if (value === undefined) {
      headers['accept-encoding'] = 'identity';
      return;
    }
    let normalized = this.memo.get(value);
    if (normalized === undefined) {
      normalized = normalizeAcceptEncoding(value);
      if (this.memo.size >= MAX_MEMO_ENTRIES) this.memo.clear();
      // A copy of its own: the value may be a view of the request head it was parsed from.
      this.memo.set(flatCopy(value), normalized);
    }
    headers['accept-encoding'] = normalized;
  }
}
