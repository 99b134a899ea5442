/**
 * Vary (RFC 9111 §4.1): which request fields select among stored responses for one URL.
 */
import { requestHeader, type RequestHeaders } from '../../common/http.js';

/**
 * The request field names a response varies on, lower case and de-duplicated, '*' when any
 * member is '*' (such a response never matches), or an empty list when there is no Vary.
 */
export function parseVary(value: string | undefined): string[] | '*' {
  if (value === undefined) return [];
  // A Set, not Array.includes: a Vary of n distinct names must not cost n² comparisons.
  const names = new Set<string>();
  for (const part of value.split(',')) {
    const name = part.trim().toLowerCase();
    if (name === '') continue;
    if (name === '*') return '*';
    names.add(name);
  }
  return [...names];
}

/**
 * The values a request presents for the Vary'd fields, normalized by folding whitespace
 * around commas so `a,b` and `a, b` select the same response. An absent field is distinct from
 * an empty one.
 */
export function varyValues(names: readonly string[], headers: RequestHeaders): Array<string | undefined> {
  return names.map((name) => {
    const value = requestHeader(headers, name);
    return value === undefined ? undefined : value.trim().replace(/[ \t]*,[ \t]*/g, ', ').replace(/[ \t]+/g, ' ');
  });
}

/** True when the stored request values equal this request's (§4.1). */
export function varyMatches(
  names: readonly string[],
  storedValues: ReadonlyArray<string | undefined>,
  headers: RequestHeaders,
): boolean {
  const current = varyValues(names, headers);
  for (let i = 0; i < names.length; i++) if (current[i] !== storedValues[i]) return false;
  return true;
}
