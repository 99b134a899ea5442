/**
 * The edge's request pipeline: `handle(req)` decides hit, stale or miss from the store and the
 * policy functions, collapses concurrent fetches per key, fills from the origin through the
 * Transport port and stores what RFC 9111 allows. It touches no sockets, timers or real clock:
 * the binary and the simulator hand those in.
 */
import { headerValue, type HeaderList } from '../../common/http.js';
import { TransportError, type Clock, type Logger, type Timers, type Transport, type TransportTimeouts } from '../../common/ports.js';
import { parseCacheControl, type Directives } from '../policy/cache-control.js';
import type { SetCookiePolicy } from '../policy/cacheability.js';
import { appendCacheStatus, formatCacheStatus, type ForwardReason } from '../policy/cache-status.js';
import { primaryKey } from '../policy/cache-key.js';
import type { HeuristicOptions } from '../policy/freshness.js';
import { currentAgeMs } from '../policy/freshness.js';
import { hopByHopNames } from '../policy/hop-by-hop.js';
import { invalidationTargets } from '../policy/invalidation.js';
import { hasConditional } from '../policy/conditional.js';
import { conditionalRequestHeaders, mergeNotModified, notModifiedSelects } from '../policy/revalidation.js';
import { ResponseStore } from '../store/response-store.js';
import { headerPairs, type StoredResponse } from '../store/stored-response.js';
import { buildStoredResponse, planStorage, type StorageOptions, type UpstreamExchange } from './build-stored.js';
import { CollapseLocks, type WriterPermit } from './collapse.js';
import { EdgeMetrics } from './metrics.js';
import { outboundHeaders } from './origin-request.js';
import { readBounded } from './read-bounded.js';
import { serveStored } from './serve-stored.js';
import type { EdgeRequest, EdgeResponse, Outcome } from './types.js';

export interface EdgeOptions {
  /** Names this cache in Cache-Status and Via. */
  cacheName: string;
  /** Scheme, host and port of the origin, e.g. `http://127.0.0.1:8000`. */
  originUrl: string;
  clock: Clock;
  timers: Timers;
  transport: Transport;
  logger: Logger;
  maxBytes: number;
  maxObjectBytes: number;
  originTimeouts: TransportTimeouts;
  collapseWaitMs: number;
  setCookie: SetCookiePolicy;
  heuristic: HeuristicOptions;
  staleIfErrorDefaultSeconds: number;
  /** Obey request Cache-Control (no-cache, max-age, min-fresh, max-stale, only-if-cached). */
  honorRequestCacheControl: boolean;
}

type Failure = { kind: 'transport'; error: TransportError } | { kind: 'status'; status: number };

export class Edge {
  readonly store: ResponseStore;
  readonly metrics = new EdgeMetrics();
  /** The options this edge was built with, so a variant can be built from them. */
  readonly options: EdgeOptions;
  private readonly locks: CollapseLocks;
  private readonly storage: StorageOptions;
  private readonly via: string;
  private readonly background = new Set<Promise<void>>();
  private readonly hitCache = new Map<StoredResponse, { ageSecond: number; response: EdgeResponse }>();
  private hitCacheSecond = -1;

  constructor(private readonly o: EdgeOptions) {
    this.options = o;
    this.store = new ResponseStore({ maxBytes: o.maxBytes, maxObjectBytes: o.maxObjectBytes });
    this.locks = new CollapseLocks(o.timers, o.collapseWaitMs);
    this.via = `1.1 ${o.cacheName}`;
    this.storage = {
      setCookie: o.setCookie,
      heuristic: o.heuristic,
      staleIfErrorDefaultSeconds: o.staleIfErrorDefaultSeconds,
      via: this.via,
    };
  }

  /** Synchronous for hits, so the hot path allocates no promise. */
  handle(req: EdgeRequest): EdgeResponse | Promise<EdgeResponse> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.passThrough(req);
    const key = primaryKey(hostOf(req), req.target);
    const nowMs = this.o.clock.wallMs();
    const cc = req.headers['cache-control'];
    const rd = cc === undefined || !this.o.honorRequestCacheControl ? undefined : parseCacheControl(String(cc));
    const found = this.store.lookup(key, req.headers);

    if (found.kind === 'match') {
      const stored = found.response;
      const forced = rd?.noCache === true;
      if (!forced && isFreshFor(stored, nowMs, rd)) {
        if (req.method === 'GET' && req.headers['range'] === undefined && !hasConditional(req.headers)) {
          return this.finish(this.plainHit(stored, req, nowMs));
        }
        return this.finish(serveStored(stored, req, nowMs, this.o.cacheName, { kind: 'hit', hit: true }));
      }
      if (!forced && rd?.maxStale !== undefined && !stored.mustRevalidate && !stored.noCache && nowMs - stored.freshUntilMs <= rd.maxStale * 1000) {
        return this.finish(serveStored(stored, req, nowMs, this.o.cacheName, { kind: 'hit', hit: true, detail: 'max-stale' }));
      }
      if (!forced && !stored.noCache && nowMs < stored.freshUntilMs + stored.staleWhileRevalidateMs) {
        this.refreshInBackground(key, stored, req);
        return this.finish(serveStored(stored, req, nowMs, this.o.cacheName, { kind: 'stale-while-revalidate', hit: true, fwd: 'stale', detail: 'stale-while-revalidate' }));
      }
      if (rd?.onlyIfCached === true) return this.finish(this.errorResponse(504, 'only-if-cached', 'request'));
      return this.collapsedFetch(key, req, forced ? 'request' : 'stale', stored);
    }
    if (rd?.onlyIfCached === true) return this.finish(this.errorResponse(504, 'only-if-cached', 'request'));
    return this.collapsedFetch(key, req, found.kind === 'vary-miss' ? 'vary-miss' : 'uri-miss', undefined);
  }

  /** Resolves once every background refresh started so far has finished (tests, shutdown, simulator). */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  /** Removes every stored variant of a URL. */
  invalidate(host: string | undefined, target: string): boolean {
    const removed = this.store.invalidate(primaryKey(host, target));
    if (removed) this.metrics.invalidations++;
    return removed;
  }

  /**
   * A whole-object GET hit. Its answer changes only when the object's Age (and with it the ttl)
   * ticks over a second, so it is built once per object per age-second and reused: the hot path
   * then formats no headers and allocates nothing. The table starts over every wall-clock second,
   * so it holds only objects hit in the last second.
   */
  private plainHit(stored: StoredResponse, req: EdgeRequest, nowMs: number): EdgeResponse {
    const ageSecond = Math.floor((stored.initialAgeMs + Math.max(0, nowMs - stored.responseTimeMs)) / 1000);
    const wallSecond = Math.floor(nowMs / 1000);
    if (wallSecond !== this.hitCacheSecond) {
      this.hitCacheSecond = wallSecond;
      this.hitCache.clear();
    }
    const cached = this.hitCache.get(stored);
    if (cached !== undefined && cached.ageSecond === ageSecond) return cached.response;
    const response = serveStored(stored, req, nowMs, this.o.cacheName, { kind: 'hit', hit: true });
    this.hitCache.set(stored, { ageSecond, response });
    return response;
  }

  private finish(res: EdgeResponse): EdgeResponse {
    this.metrics.record(res.outcome);
    return res;
  }

  private async collapsedFetch(key: string, req: EdgeRequest, fwd: ForwardReason, stored: StoredResponse | undefined): Promise<EdgeResponse> {
    const lock = this.locks.acquire(key);
    if (lock.role === 'writer') {
      try {
        return this.finish(await this.fetch(key, req, fwd, stored, lock));
      } finally {
        lock.release({ reason: 'abandoned' });
      }
    }
    this.metrics.collapseWaits++;
    const wake = await lock.wake;
    switch (wake.reason) {
      case 'stored': {
        const found = this.store.lookup(key, req.headers);
        if (found.kind === 'match') {
          const outcome = { kind: 'collapsed', hit: false, fwd, fwdStatus: found.response.status, collapsed: true } as const;
          return this.finish(serveStored(found.response, req, this.o.clock.wallMs(), this.o.cacheName, outcome));
        }
        break;
      }
      case 'error': {
        const failure = wake.error as Failure;
        const current = this.store.lookup(key, req.headers);
        return this.finish(this.originFailed(req, current.kind === 'match' ? current.response : undefined, failure, fwd));
      }
      case 'timeout':
        this.metrics.collapseTimeouts++;
        break;
      case 'uncacheable':
      case 'abandoned':
        break;
      default:
        throw new Error(`unhandled wake reason ${String(wake.reason satisfies never)}`);
    }
    return this.finish(await this.fetch(key, req, fwd, stored, undefined));
  }

  /**
   * One exchange with the origin for a GET (also on behalf of HEAD): revalidates `stored` when
   * given, stores what may be stored, and wakes collapsed waiters through `permit`.
   */
  private async fetch(
    key: string,
    req: EdgeRequest,
    fwd: ForwardReason,
    stored: StoredResponse | undefined,
    permit: WriterPermit | undefined,
  ): Promise<EdgeResponse> {
    const validators = stored === undefined ? [] : conditionalRequestHeaders(stored);
    const requestTimeMs = this.o.clock.wallMs();
    this.metrics.originRequests++;
    let upstream;
    try {
      upstream = await this.o.transport.request({
        origin: this.o.originUrl,
        method: 'GET',
        target: req.target,
        headers: outboundHeaders(req, { via: this.via, forStorage: true, extra: validators }),
        timeouts: this.o.originTimeouts,
      });
    } catch (err) {
      const failure: Failure = { kind: 'transport', error: asTransportError(err) };
      this.metrics.originError(failure.error.code);
      permit?.release({ reason: 'error', error: failure });
      return this.originFailed(req, stored, failure, fwd);
    }
    const responseTimeMs = this.o.clock.wallMs();

    if (upstream.status === 304 && stored !== undefined) {
      upstream.discard();
      if (!notModifiedSelects(stored.etag, upstream.headers)) {
        this.store.remove(key, stored);
        permit?.release({ reason: 'uncacheable' });
        return this.fetch(key, req, fwd, undefined, undefined);
      }
      const merged = mergeNotModified(this.upstreamHeaders(stored), upstream.headers);
      return this.storeAndServe(key, req, fwd, permit, stored, {
        exchange: { method: 'GET', requestHeaders: req.headers, status: stored.status, headers: merged, requestTimeMs, responseTimeMs },
        body: stored.body,
        fwdStatus: 304,
      });
    }

    if (upstream.status >= 500 && stored !== undefined && this.staleIfErrorAllows(stored, responseTimeMs)) {
      upstream.discard();
      this.metrics.originError('status-5xx');
      const failure: Failure = { kind: 'status', status: upstream.status };
      permit?.release({ reason: 'error', error: failure });
      return this.originFailed(req, stored, failure, fwd);
    }

    const exchange: UpstreamExchange = {
      method: 'GET',
      requestHeaders: req.headers,
      status: upstream.status,
      headers: upstream.headers,
      requestTimeMs,
      responseTimeMs,
    };
    const plan = planStorage(exchange, this.storage);
    const declaredLength = Number(headerValue(upstream.headers, 'content-length') ?? NaN);
    const tooLarge = declaredLength > this.o.maxObjectBytes;
    if (!plan.store || tooLarge) {
      permit?.release({ reason: 'uncacheable' });
      // The origin answered with something we may not keep: the old copy is superseded.
      if (stored !== undefined) this.store.remove(key, stored);
      return this.streamThrough(req, upstream.status, upstream.headers, upstream.body, fwd, plan.store ? 'too-large' : plan.reason, upstream.discard);
    }

    const read = await readBounded(upstream.body, this.o.maxObjectBytes);
    if (read.kind === 'error') {
      const failure: Failure = { kind: 'transport', error: asTransportError(read.error) };
      this.metrics.originError(failure.error.code);
      permit?.release({ reason: 'error', error: failure });
      return this.originFailed(req, stored, failure, fwd);
    }
    if (read.kind === 'overflow') {
      permit?.release({ reason: 'uncacheable' });
      if (stored !== undefined) this.store.remove(key, stored);
      return this.streamThrough(req, upstream.status, upstream.headers, read.body, fwd, 'too-large', upstream.discard);
    }
    return this.storeAndServe(key, req, fwd, permit, stored, { exchange, body: read.body, fwdStatus: upstream.status });
  }

  private storeAndServe(
    key: string,
    req: EdgeRequest,
    fwd: ForwardReason,
    permit: WriterPermit | undefined,
    previous: StoredResponse | undefined,
    fill: { exchange: UpstreamExchange; body: Buffer; fwdStatus: number },
  ): EdgeResponse {
    const plan = planStorage(fill.exchange, this.storage);
    const effectivePlan = plan.store ? plan : { effective: { directives: parseCacheControl(undefined), targeted: false }, lifetime: { lifetimeMs: 0, heuristic: false } };
    const response = buildStoredResponse(fill.exchange, effectivePlan, fill.body, this.storage);
    if (plan.store) {
      this.store.put(key, response);
      permit?.release({ reason: 'stored' });
    } else {
      if (previous !== undefined) this.store.remove(key, previous);
      permit?.release({ reason: 'uncacheable' });
    }
    // Under the 'strip' policy the stored copy has no Set-Cookie, but the client that caused
    // the fill still gets the cookie meant for it.
    const forClient =
      this.storage.setCookie === 'strip' && fill.exchange.headers.some(([n]) => n === 'set-cookie')
        ? buildStoredResponse(fill.exchange, effectivePlan, fill.body, { ...this.storage, setCookie: 'store' })
        : response;
    const nowMs = this.o.clock.wallMs();
    const served = serveStored(forClient, req, nowMs, this.o.cacheName, {
      kind: previous !== undefined ? 'revalidated' : 'miss',
      hit: false,
      fwd,
      fwdStatus: fill.fwdStatus,
      stored: plan.store,
      ...(plan.store ? {} : { detail: plan.reason }),
    });
    return omitZeroAge(served);
  }

  /** The origin's header fields of a stored response, without the ones this cache added. */
  private upstreamHeaders(stored: StoredResponse): HeaderList {
    const pairs = headerPairs(stored.wireHeaders).filter(([name]) => name !== 'content-length');
    return pairs.flatMap(([name, value]): HeaderList => {
      if (name !== 'via') return [[name, value]];
      if (value === this.via) return [];
      return [[name, value.endsWith(`, ${this.via}`) ? value.slice(0, -(this.via.length + 2)) : value]];
    });
  }

  private staleIfErrorAllows(stored: StoredResponse, nowMs: number): boolean {
    return !stored.noCache && nowMs < stored.freshUntilMs + stored.staleIfErrorMs;
  }

  /** Serves stale content inside its stale-if-error window (RFC 5861 §4), or an error. */
  private originFailed(req: EdgeRequest, stored: StoredResponse | undefined, failure: Failure, fwd: ForwardReason): EdgeResponse {
    const nowMs = this.o.clock.wallMs();
    if (stored !== undefined && this.staleIfErrorAllows(stored, nowMs)) {
      return serveStored(stored, req, nowMs, this.o.cacheName, {
        kind: 'stale-if-error',
        hit: true,
        fwd: 'stale',
        ...(failure.kind === 'status' ? { fwdStatus: failure.status } : {}),
        detail: 'stale-if-error',
      });
    }
    if (failure.kind === 'status') {
      // Only reached for waiters whose writer saw a 5xx; they answer with the same status.
      return this.errorResponse(failure.status, `origin answered ${failure.status}`, fwd);
    }
    const timeout = failure.error.code.endsWith('timeout');
    this.o.logger.log('warn', 'origin request failed', { code: failure.error.code, target: req.target });
    return this.errorResponse(timeout ? 504 : 502, `origin-${failure.error.code}`, fwd);
  }

  private errorResponse(status: number, detail: string, fwd: ForwardReason): EdgeResponse {
    const outcome: Outcome = { kind: 'error', hit: false, fwd, detail, bytes: 0 };
    const body = Buffer.from(`${status} ${detail}\n`);
    outcome.bytes = body.length;
    return {
      status,
      headers: [
        'content-type', 'text/plain; charset=utf-8',
        'content-length', String(body.length),
        'cache-control', 'no-store',
        'cache-status', formatCacheStatus(this.o.cacheName, outcome),
      ],
      body,
      outcome,
    };
  }

  private streamThrough(
    req: EdgeRequest,
    status: number,
    headers: HeaderList,
    body: AsyncIterable<Uint8Array>,
    fwd: ForwardReason,
    detail: string,
    discard: () => void,
  ): EdgeResponse {
    const outcome: Outcome = { kind: 'pass', hit: false, fwd, fwdStatus: status, detail, bytes: 0 };
    const declared = Number(headerValue(headers, 'content-length') ?? 0);
    outcome.bytes = req.method === 'HEAD' ? 0 : declared;
    if (req.method === 'HEAD') discard();
    return {
      status,
      headers: this.forwardedHeaders(headers, outcome),
      body: req.method === 'HEAD' ? undefined : body,
      outcome,
    };
  }

  /** Origin header fields as forwarded to the client: hop-by-hop dropped, Via and Cache-Status added. */
  private forwardedHeaders(headers: HeaderList, outcome: Outcome): string[] {
    const skip = hopByHopNames(headerValue(headers, 'connection'));
    const out: string[] = [];
    let via: string | undefined;
    let upstreamStatus: string | undefined;
    for (const [name, value] of headers) {
      if (skip.has(name)) continue;
      if (name === 'via') via = via === undefined ? value : `${via}, ${value}`;
      else if (name === 'cache-status') upstreamStatus = upstreamStatus === undefined ? value : `${upstreamStatus}, ${value}`;
      else out.push(name, value);
    }
    out.push('via', via === undefined ? this.via : `${via}, ${this.via}`);
    out.push('cache-status', appendCacheStatus(upstreamStatus, formatCacheStatus(this.o.cacheName, outcome)));
    return out;
  }

  /** Methods other than GET and HEAD go to the origin as they are; unsafe ones invalidate (§4.4). */
  private async passThrough(req: EdgeRequest): Promise<EdgeResponse> {
    this.metrics.originRequests++;
    let upstream;
    try {
      upstream = await this.o.transport.request({
        origin: this.o.originUrl,
        method: req.method,
        target: req.target,
        headers: outboundHeaders(req, { via: this.via, forStorage: false }),
        ...(req.body === undefined ? {} : { body: req.body }),
        timeouts: this.o.originTimeouts,
      });
    } catch (err) {
      const error = asTransportError(err);
      this.metrics.originError(error.code);
      return this.finish(this.errorResponse(error.code.endsWith('timeout') ? 504 : 502, `origin-${error.code}`, 'method'));
    }
    const host = hostOf(req);
    for (const target of invalidationTargets(req.method, upstream.status, host, req.target, upstream.headers)) {
      this.invalidate(host, target);
    }
    const outcome: Outcome = { kind: 'pass', hit: false, fwd: 'method', fwdStatus: upstream.status, bytes: 0 };
    outcome.bytes = Number(headerValue(upstream.headers, 'content-length') ?? 0);
    return this.finish({ status: upstream.status, headers: this.forwardedHeaders(upstream.headers, outcome), body: upstream.body, outcome });
  }

  /** stale-while-revalidate: one background refresh per key; others keep being served stale. */
  private refreshInBackground(key: string, stored: StoredResponse, req: EdgeRequest): void {
    const lock = this.locks.acquire(key);
    if (lock.role === 'waiter') {
      // Someone is already fetching this key; their result lands in the store.
      void lock.wake;
      return;
    }
    this.metrics.backgroundRefreshes++;
    const refreshReq: EdgeRequest = { method: 'GET', target: req.target, headers: withoutPreconditions(req.headers) };
    const work = this.fetch(key, refreshReq, 'stale', stored, lock)
      .then((res) => drain(res.body))
      .catch((err: unknown) => this.o.logger.log('warn', 'background refresh failed', { target: req.target, error: String(err) }))
      .finally(() => {
        lock.release({ reason: 'abandoned' });
        this.background.delete(work);
      });
    this.background.add(work);
  }
}

function hostOf(req: EdgeRequest): string | undefined {
  const host = req.headers['host'];
  return typeof host === 'string' ? host : undefined;
}

/** Fresh enough for this request: response freshness (§4.2) narrowed by request max-age and min-fresh (§5.2.1). */
function isFreshFor(stored: StoredResponse, nowMs: number, rd: Directives | undefined): boolean {
  if (stored.noCache || nowMs >= stored.freshUntilMs) return false;
  if (rd === undefined) return true;
  if (rd.maxAge !== undefined && currentAgeMs(stored.initialAgeMs, stored.responseTimeMs, nowMs) > rd.maxAge * 1000) return false;
  if (rd.minFresh !== undefined && stored.freshUntilMs - nowMs < rd.minFresh * 1000) return false;
  return true;
}

/** A response the origin just produced or validated carries no Age unless it really aged. */
function omitZeroAge(res: EdgeResponse): EdgeResponse {
  const h = res.headers;
  for (let i = 0; i + 1 < h.length; i += 2) {
    if (h[i] === 'age' && h[i + 1] === '0') {
      h.splice(i, 2);
      break;
    }
  }
  return res;
}

function withoutPreconditions(headers: EdgeRequest['headers']): EdgeRequest['headers'] {
  const copy: Record<string, string | string[] | undefined> = { ...headers };
  for (const name of ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range']) delete copy[name];
  return copy;
}

function asTransportError(err: unknown): TransportError {
  return err instanceof TransportError ? err : new TransportError('other', String(err));
}

async function drain(body: EdgeResponse['body']): Promise<void> {
  if (body === undefined || Buffer.isBuffer(body)) return;
  for await (const _chunk of body) {
    // Discarding: the refresh only needed the side effect of storing.
  }
}
