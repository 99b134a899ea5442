/**
 * Turning purge values into this edge's primary keys. A purge names URLs as the world sees them
 * (`https://host/path?q` or `host/path?q`); the edge keys objects by the origin's authority
 * or the request's Host (keyHost), so purges go through the same naming as requests: every
 * spelling a request could have been stored under (`/%7Ea`, `/~a`, `/b/../~a`) names one key.
 */

/** How this edge names an object: (host, target) → primary key, as for requests; undefined for a URL no request could be stored under. */
export type KeyNaming = (host: string, target: string) => string | undefined;

/**
 * Host and target of a purge value, or undefined when it names no URL. Split by hand rather than
 * by WHATWG URL, which rewrites '\' to '/' and resolves `%2e%2e`: the target must reach the same
 * canonicalization a request's does, unchanged.
 */
export function splitUrlValue(value: string): { host: string; target: string } | undefined {
  const absolute = /^https?:\/\//i.test(value);
  const rest = absolute ? value.slice(value.indexOf('//') + 2) : value;
  const end = rest.search(/[/?]/);
  // `https://h` names h's root, as a request for it would (RFC 9112 §3.2.2); a bare `h` names nothing.
  if (end === -1 && absolute && rest !== '') return { host: rest, target: '/' };
  if (end <= 0) return undefined;
  const target = rest.slice(end);
  return { host: rest.slice(0, end), target: target.startsWith('?') ? `/${target}` : target };
}

export function keyForUrl(value: string, keyFor: KeyNaming): string | undefined {
  const parts = splitUrlValue(value);
  return parts === undefined ? undefined : keyFor(parts.host, parts.target);
}
