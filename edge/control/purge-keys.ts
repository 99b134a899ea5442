/**
 * Turning purge values into this edge's primary keys. A purge names URLs as the world sees them
 * (`https://host/path?q` or `host/path?q`); the edge keys objects by the origin's authority
 * or the request's Host (keyHost), so the same mapping must be applied here.
 */
import { primaryKey } from '../policy/cache-key.js';

export interface KeyNaming {
  keyHost: 'origin' | 'request';
  originAuthority: string;
}

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

export function keyForUrl(value: string, naming: KeyNaming): string | undefined {
  const parts = splitUrlValue(value);
  if (parts === undefined) return undefined;
  return primaryKey(naming.keyHost === 'origin' ? naming.originAuthority : parts.host, parts.target);
}
