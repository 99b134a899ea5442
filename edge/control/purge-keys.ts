/**
 * Turning purge values into this edge's primary keys. A purge names URLs as the world sees them
 * (`https://host/path?q` or `host/path?q`); the edge keys objects by the origin's authority
 * or the request's Host (keyHost), so purges go through the same naming as requests.
 */

/** How this edge names an object: (host, target) → primary key, as for requests. */
export type KeyNaming = (host: string, target: string) => string;

/** Host and target of a purge value, or undefined when it names no URL. */
export function splitUrlValue(value: string): { host: string; target: string } | undefined {
  if (/^https?:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      return { host: url.host, target: `${url.pathname}${url.search}` };
    } catch {
      return undefined;
    }
  }
  const slash = value.indexOf('/');
  if (slash <= 0) return undefined;
  return { host: value.slice(0, slash), target: value.slice(slash) };
}

export function keyForUrl(value: string, keyFor: KeyNaming): string | undefined {
  const parts = splitUrlValue(value);
  return parts === undefined ? undefined : keyFor(parts.host, parts.target);
}
