/**
 * The synthetic origin's test hooks, from k6: `GET /_stats` (request counts per path, no token)
 * and the token-protected `/_admin/*` endpoints (version bump, failure injection).
 */
import http from 'k6/http';
import { bearer } from './region.ts';
import { describeFailure } from './response.ts';

export interface OriginStats {
  requests: number;
  /** Requests per path (no query string), counted before failure injection. */
  paths: Record<string, number>;
  methods: Record<string, number>;
}

export type FailureMode = 'ok' | 'error' | 'refuse' | 'hang';

const ADMIN_TAGS = { name: 'origin-admin' };

/** The origin's request counts, or a message saying why they could not be read. */
export function originStats(originUrl: string): { ok: true; stats: OriginStats } | { ok: false; message: string } {
  const res = http.get(`${originUrl}/_stats`, { tags: { name: 'origin-stats' }, timeout: '10s' });
  if (res.status !== 200) return { ok: false, message: `GET ${originUrl}/_stats: ${describeFailure(res)}` };
  try {
    const stats = JSON.parse(res.body as string) as OriginStats;
    if (typeof stats.paths !== 'object' || stats.paths === null) return { ok: false, message: `GET ${originUrl}/_stats: no paths object in ${String(res.body).slice(0, 200)}` };
    return { ok: true, stats };
  } catch (err) {
    return { ok: false, message: `GET ${originUrl}/_stats: not JSON (${String(err)})` };
  }
}

/** Origin requests for every path that starts with `prefix`. */
export function requestsUnder(stats: OriginStats, prefix: string): number {
  let total = 0;
  for (const path of Object.keys(stats.paths)) {
    if (path.startsWith(prefix)) total += stats.paths[path] ?? 0;
  }
  return total;
}

/** `POST /_admin/version?path=/p`: the object's next version number, or a message. */
export function bumpVersion(originUrl: string, token: string | undefined, path: string): { ok: true; version: number } | { ok: false; message: string } {
  const res = http.post(`${originUrl}/_admin/version?path=${encodeURIComponent(path)}`, null, { headers: bearer(token), tags: ADMIN_TAGS, timeout: '10s' });
  if (res.status !== 200) return { ok: false, message: `POST /_admin/version?path=${path}: ${describeFailure(res)}` };
  const version = (JSON.parse(res.body as string) as { version?: unknown }).version;
  if (typeof version !== 'number') return { ok: false, message: `POST /_admin/version: no version in ${String(res.body)}` };
  return { ok: true, version };
}

/** `POST /_admin/failure`: switches every object request of the origin to `mode`. */
export function setFailure(originUrl: string, token: string | undefined, mode: FailureMode, status?: number): { ok: true } | { ok: false; message: string } {
  const body = JSON.stringify(status === undefined ? { mode } : { mode, status });
  const res = http.post(`${originUrl}/_admin/failure`, body, {
    headers: { ...bearer(token), 'Content-Type': 'application/json' },
    tags: ADMIN_TAGS,
    timeout: '10s',
  });
  if (res.status !== 200) return { ok: false, message: `POST /_admin/failure ${body}: ${describeFailure(res)}` };
  return { ok: true };
}
