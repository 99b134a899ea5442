/**
 * Answers a request from a stored response: 200, 304 to a matching client conditional,
 * 206/416 for Range, headers only for HEAD. Age and Cache-Status are added here.
 */
import { appendCacheStatus, formatCacheStatus } from '../policy/cache-status.js';
import { evaluateConditional, hasConditional } from '../../common/http-semantics/conditional.js';
import { currentAgeMs } from '../policy/freshness.js';
import { rangeDecision } from '../../common/http-semantics/range.js';
import { storedValidators, wireHeaders, type StoredResponse } from '../store/stored-response.js';
import { parseHttpDate } from '../../common/http-semantics/http-date.js';
import type { Validators } from '../../common/http-semantics/conditional.js';
import type { EdgeRequest, EdgeResponse, Outcome } from './types.js';
import { variantFor } from './compressed-variants.js';

export function serveStored(
  storedResponse: StoredResponse,
  req: EdgeRequest,
  /** The monotonic clock now. */
  nowMs: number,
  cacheName: string,
  outcome: Omit<Outcome, 'bytes' | 'ttlSeconds'>,
  /**
   * Cache-Status members of the caches that handled this very exchange upstream (a peer that
   * just filled it). Hits omit them: those caches did not see this request (RFC 9211 §2).
   */
  upstreamCacheStatus?: string,
): EdgeResponse {
  // The coding this client is served (--compress); the response itself when it has no variants.
  const stored = variantFor(storedResponse, req.headers);
  const ageSeconds = Math.floor(currentAgeMs(stored.initialAgeMs, stored.storedAtMonoMs, nowMs) / 1000);
  const ttlSeconds = Math.floor((stored.freshUntilMonoMs - nowMs) / 1000);
  const full = withTiming(outcome, ttlSeconds);
  const cacheStatus = appendCacheStatus(upstreamCacheStatus, formatCacheStatus(cacheName, full));
  const headers = req.headers;

  if (hasConditional(headers)) {
    const result = evaluateConditional(headers, validatorsOf(stored));
    if (result === 'not-modified') {
      return {
        status: 304,
        headers: wireHeaders(stored, ['age', String(ageSeconds), 'cache-status', cacheStatus], 'content-length'),
        body: undefined,
        outcome: full,
        surrogateKeys: stored.surrogateKeys,
      };
    }
    if (result === 'precondition-failed') {
      return { status: 412, headers: ['content-length', '0', 'cache-status', cacheStatus], body: undefined, outcome: full };
    }
  }

  if (headers['range'] !== undefined) {
    const range = rangeDecision(headers, stored.body.length, stored.status, validatorsOf(stored));
    if (range.kind === 'partial') {
      const slice = stored.body.subarray(range.start, range.end + 1);
      full.bytes = req.method === 'HEAD' ? 0 : slice.length;
      return {
        status: 206,
        headers: wireHeaders(
          stored,
          [
            'content-length', String(slice.length),
            'content-range', `bytes ${range.start}-${range.end}/${stored.body.length}`,
            'age', String(ageSeconds),
            'cache-status', cacheStatus,
          ],
          'content-length',
        ),
        body: req.method === 'HEAD' ? undefined : slice,
        outcome: full,
        surrogateKeys: stored.surrogateKeys,
      };
    }
    if (range.kind === 'unsatisfiable') {
      return {
        status: 416,
        headers: ['content-range', `bytes */${stored.body.length}`, 'content-length', '0', 'cache-status', cacheStatus],
        body: undefined,
        outcome: full,
      };
    }
  }

  const isHead = req.method === 'HEAD';
  full.bytes = isHead ? 0 : stored.body.length;
  return {
    status: stored.status,
    headers: wireHeaders(stored, ['age', String(ageSeconds), 'cache-status', cacheStatus]),
    body: isHead ? undefined : stored.body,
    outcome: full,
    surrogateKeys: stored.surrogateKeys,
  };
}

/**
 * The outcome with its ttl, field by field: callers pass outcomes of many shapes, and a spread
 * over them was the most expensive line of a miss. One shape also keeps the readers of
 * outcomes (metrics, Cache-Status) monomorphic.
 */
function withTiming(o: Omit<Outcome, 'bytes' | 'ttlSeconds'>, ttlSeconds: number): Outcome {
  const full: Outcome = { kind: o.kind, hit: o.hit, ttlSeconds, bytes: 0 };
  if (o.fwd !== undefined) full.fwd = o.fwd;
  if (o.fwdStatus !== undefined) full.fwdStatus = o.fwdStatus;
  if (o.stored !== undefined) full.stored = o.stored;
  if (o.collapsed !== undefined) full.collapsed = o.collapsed;
  if (o.key !== undefined) full.key = o.key;
  if (o.detail !== undefined) full.detail = o.detail;
  return full;
}

function validatorsOf(stored: StoredResponse): Validators {
  const { etag, lastModified } = storedValidators(stored);
  return { etag, lastModifiedMs: parseHttpDate(lastModified) };
}

