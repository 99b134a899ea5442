/** Conditional GET/HEAD evaluation for the origin (RFC 9110 §13), as pure functions over header text. */
import { parseHttpDate } from './http-date.js';

/**
 * The members of an If-None-Match / If-Match field (RFC 9110 §13.1.1-2): `'*'`, or the entity
 * tags it lists. Tolerant: anything that is not a quoted tag is skipped rather than fatal.
 */
export function parseEntityTagList(fieldValue: string): '*' | string[] {
  if (fieldValue.trim() === '*') return '*';
  return fieldValue.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

function opaqueTag(entityTag: string): string {
  return entityTag.startsWith('W/') ? entityTag.slice(2) : entityTag;
}

/** Weak comparison (RFC 9110 §8.8.3.2): the opaque tags match, either may be weak. */
export function weakMatch(a: string, b: string): boolean {
  return opaqueTag(a) === opaqueTag(b);
}

/** Strong comparison (RFC 9110 §8.8.3.2): neither is weak and the opaque tags match. */
export function strongMatch(a: string, b: string): boolean {
  return !a.startsWith('W/') && !b.startsWith('W/') && a === b;
}

export interface ConditionalInput {
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
  /** The ETag the response would carry, if any. */
  etag: string | undefined;
  /** The Last-Modified value the response would carry, if any. */
  lastModified: string | undefined;
}

/**
 * Whether a GET or HEAD should be answered 304 (RFC 9110 §13.2.2 steps 3-4). If-None-Match uses
 * weak comparison and `*` matches any current representation (§13.1.2); If-Modified-Since is
 * consulted only without If-None-Match, and is ignored when it or Last-Modified is not a valid
 * date (§13.1.3). HTTP dates have one-second resolution, so the comparison is in whole seconds.
 */
export function isNotModified(input: ConditionalInput): boolean {
  if (input.ifNoneMatch !== undefined) {
    const tags = parseEntityTagList(input.ifNoneMatch);
    if (tags === '*') return true;
    const current = input.etag;
    return current !== undefined && tags.some((tag) => weakMatch(tag, current));
  }
  if (input.ifModifiedSince === undefined || input.lastModified === undefined) return false;
  const since = parseHttpDate(input.ifModifiedSince);
  const modified = parseHttpDate(input.lastModified);
  if (since === undefined || modified === undefined) return false;
  return Math.floor(modified / 1000) <= Math.floor(since / 1000);
}
