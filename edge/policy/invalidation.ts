/**
 * Invalidation by unsafe methods (RFC 9111 §4.4): a non-error response to a request whose
 * method is not known to be safe invalidates the target URI, and the Location and
 * Content-Location URIs when they share its origin.
 */
import { headerValue, type HeaderList } from '../../common/http.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method);
}

/** Targets (path and query) to invalidate on the request's host; empty when nothing is. */
export function invalidationTargets(method: string, status: number, host: string | undefined, target: string, headers: HeaderList): string[] {
  if (isSafeMethod(method) || status < 200 || status >= 400) return [];
  const targets = [target];
  for (const name of ['location', 'content-location']) {
    const value = headerValue(headers, name);
    if (value === undefined) continue;
    const sameOrigin = sameOriginTarget(value, host, target);
    if (sameOrigin !== undefined) targets.push(sameOrigin);
  }
  return targets;
}

function sameOriginTarget(reference: string, host: string | undefined, base: string): string | undefined {
  try {
    const baseUrl = new URL(base, `http://${host ?? 'localhost'}`);
    const url = new URL(reference, baseUrl);
    if (url.host !== baseUrl.host) return undefined;
    return url.pathname + url.search;
  } catch {
    return undefined;
  }
}
