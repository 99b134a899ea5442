/**
 * Answers the edge builds without a stored response: its own errors, and upstream answers passed
 * through (hop-by-hop fields dropped, Via and Cache-Status appended).
 */
import { headerValue, type HeaderList } from '../../common/http.js';
import { appendCacheStatus, formatCacheStatus, type ForwardReason } from '../policy/cache-status.js';
import { hopByHopNames } from '../policy/hop-by-hop.js';
import { INTERNAL_FIELD_PREFIX } from '../routing/peer-fields.js';
import type { EdgeRequest, EdgeResponse, Outcome } from './types.js';

/** This cache's name in Cache-Status and its Via member. */
export interface Identity {
  cacheName: string;
  via: string;
}

/**
 * An answer the edge makes up itself. `kind` 'pass' is for peer-protocol answers (a handoff
 * miss, a lagging peer): they are routine between edges and must not count as errors in the
 * load the edge reports, or a healthy edge would look failing.
 */
export function errorResponse(id: Identity, status: number, detail: string, fwd: ForwardReason, kind: 'error' | 'pass' = 'error'): EdgeResponse {
  const body = Buffer.from(`${status} ${detail}\n`);
  const outcome: Outcome = { kind, hit: false, fwd, detail, bytes: body.length };
  return {
    status,
    headers: [
      'content-type', 'text/plain; charset=utf-8',
      'content-length', String(body.length),
      'cache-control', 'no-store',
      'cache-status', formatCacheStatus(id.cacheName, outcome),
    ],
    body,
    outcome,
  };
}

/** An upstream answer streamed to the client unstored (uncacheable, too large, or not ours to keep). */
export function streamThrough(
  id: Identity,
  req: EdgeRequest,
  upstream: { status: number; headers: HeaderList; body: AsyncIterable<Uint8Array>; discard: () => void },
  fwd: ForwardReason,
  detail: string | undefined,
): EdgeResponse {
  const isHead = req.method === 'HEAD';
  const outcome: Outcome = { kind: 'pass', hit: false, fwd, fwdStatus: upstream.status, ...(detail === undefined ? {} : { detail }), bytes: 0 };
  outcome.bytes = isHead ? 0 : Number(headerValue(upstream.headers, 'content-length') ?? 0);
  if (isHead) upstream.discard();
  return { status: upstream.status, headers: forwardedHeaders(id, upstream.headers, outcome), body: isHead ? undefined : upstream.body, outcome };
}

/** Upstream header fields as forwarded to the client: hop-by-hop dropped, Via and Cache-Status added. */
export function forwardedHeaders(id: Identity, headers: HeaderList, outcome: Outcome): string[] {
  const skip = hopByHopNames(headerValue(headers, 'connection'));
  const out: string[] = [];
  let via: string | undefined;
  let upstreamStatus: string | undefined;
  for (const [name, value] of headers) {
    if (skip.has(name) || name.startsWith(INTERNAL_FIELD_PREFIX)) continue;
    if (name === 'via') via = via === undefined ? value : `${via}, ${value}`;
    else if (name === 'cache-status') upstreamStatus = upstreamStatus === undefined ? value : `${upstreamStatus}, ${value}`;
    else out.push(name, value);
  }
  out.push('via', via === undefined ? id.via : `${via}, ${id.via}`);
  out.push('cache-status', appendCacheStatus(upstreamStatus, formatCacheStatus(id.cacheName, outcome)));
  return out;
}
