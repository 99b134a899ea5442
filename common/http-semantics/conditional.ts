/**
 * Evaluating a request's preconditions against a representation's validators (RFC 9110 §13.1,
 * §13.2.2 for precedence): the origin answers with it, and the edge answers clients from a
 * stored response with it (RFC 9111 §4.3.2).
 */
import { requestHeader, type RequestHeaders } from '../http.js';
import { parseHttpDate } from './http-date.js';

export type ConditionalOutcome = 'none' | 'not-modified' | 'precondition-failed';

export interface Validators {
  etag: string | undefined;
  lastModifiedMs: number | undefined;
}

function opaqueTag(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** Splits an entity-tag list (`"a", W/"b"`) respecting quotes. */
export function parseEtagList(value: string): string[] {
  const tags: string[] = [];
  const re = /\s*((?:W\/)?"[^"]*")\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) {
    tags.push(m[1]!);
    if (re.lastIndex >= value.length) break;
  }
  return tags;
}

/** Weak comparison (§8.8.3.2): opaque tags equal, either may be weak. */
export function weakMatch(a: string, b: string): boolean {
  return opaqueTag(a) === opaqueTag(b);
}

/** Strong comparison: both strong and equal. */
export function strongMatch(a: string, b: string): boolean {
  return !a.startsWith('W/') && !b.startsWith('W/') && a === b;
}

/** Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since for GET/HEAD. */
export function evaluateConditional(headers: RequestHeaders, stored: Validators): ConditionalOutcome {
  const ifMatch = requestHeader(headers, 'if-match');
  if (ifMatch !== undefined) {
    const ok = ifMatch.trim() === '*' || (stored.etag !== undefined && parseEtagList(ifMatch).some((t) => strongMatch(t, stored.etag!)));
    if (!ok) return 'precondition-failed';
  } else {
    const ius = parseHttpDate(requestHeader(headers, 'if-unmodified-since'));
    if (ius !== undefined && stored.lastModifiedMs !== undefined && stored.lastModifiedMs > ius) return 'precondition-failed';
  }
  const ifNoneMatch = requestHeader(headers, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return 'not-modified';
    if (stored.etag === undefined) return 'none';
    return parseEtagList(ifNoneMatch).some((t) => weakMatch(t, stored.etag!)) ? 'not-modified' : 'none';
  }
  const ims = parseHttpDate(requestHeader(headers, 'if-modified-since'));
  if (ims !== undefined && stored.lastModifiedMs !== undefined && stored.lastModifiedMs <= ims) return 'not-modified';
  return 'none';
}

/** True when the request carries any precondition a cache evaluates. */
export function hasConditional(headers: RequestHeaders): boolean {
  return (
    headers['if-none-match'] !== undefined ||
    headers['if-modified-since'] !== undefined ||
    headers['if-match'] !== undefined ||
    headers['if-unmodified-since'] !== undefined
  );
}
