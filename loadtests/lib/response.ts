/** Small readers over k6 responses: header lookup by any case, the version line of origin bodies. */
import type { Response } from 'k6/http';
import { parseCacheStatus, type CacheStatusMember } from './cache-status.ts';

/** k6 canonicalises header names (`Cache-Status`), but a proxy in between may not: match any case. */
export function header(res: Response, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(res.headers)) {
    if (key.toLowerCase() === wanted) return res.headers[key];
  }
  return undefined;
}

export function cacheStatusOf(res: Response): CacheStatusMember[] {
  return parseCacheStatus(header(res, 'cache-status'));
}

/** Origin bodies start with `path=/p version=N`; the N, or undefined for any other body. */
export function bodyVersion(body: Response['body']): number | undefined {
  if (typeof body !== 'string') return undefined;
  const newline = body.indexOf('\n');
  const headline = newline === -1 ? body : body.slice(0, newline);
  const match = /(?:^|\s)version=(\d+)(?:\s|$)/.exec(headline);
  return match === null || match[1] === undefined ? undefined : Number(match[1]);
}

/** A short description of a failed request for console output: status, k6 error, body start. */
export function describeFailure(res: Response): string {
  const body = typeof res.body === 'string' ? res.body.slice(0, 200).replace(/\s+/g, ' ').trim() : '';
  if (res.status === 0) return `no response (${res.error_code}: ${res.error})`;
  return `HTTP ${res.status}${body === '' ? '' : `: ${body}`}`;
}
