/**
 * The synthetic origin as a pure function over plain data: every path is an object with a
 * version, whose caching headers a test controls through query parameters, routes and the admin
 * API. Time and randomness come in through ports, so the simulator runs this same code.
 */
import type { Clock, Random } from '../common/ports.js';
import { handleAdmin, TARGET_BASE } from './admin.js';
import { decideFailure, failureResponse } from './failure.js';
import { jsonError, jsonResponse } from './json-response.js';
import { answerObject } from './object-response.js';
import { matchRoute, resolveRepresentation } from './representation.js';
import type { OriginConfig } from './schema.js';
import { bumpVersion, countRequest, initialState, objectState, statsSnapshot, type OriginState } from './state.js';
import type { Origin, OriginRequest, OriginResponse } from './types.js';

export interface OriginOptions {
  clock: Clock;
  random: Random;
  config: OriginConfig;
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';

export function createOrigin({ clock, random, config }: OriginOptions): Origin {
  const state: OriginState = initialState(config.failureRate);

  function handle(req: OriginRequest): OriginResponse {
    const nowMs = clock.wallMs();
    let url: URL;
    try {
      url = new URL(req.target, TARGET_BASE);
    } catch {
      return jsonError(400, `request target ${JSON.stringify(req.target)} is not a valid URL`, nowMs);
    }
    const method = req.method.toUpperCase();
    if (url.pathname === '/_stats') {
      if (method !== 'GET' && method !== 'HEAD') return jsonError(405, '/_stats accepts GET only', nowMs, [['allow', 'GET, HEAD']]);
      const answer = jsonResponse(200, statsSnapshot(state), nowMs);
      return method === 'HEAD' ? { ...answer, body: new Uint8Array(0) } : answer;
    }
    if (url.pathname.startsWith('/_admin/')) return handleAdmin(req, url, { state, adminToken: config.adminToken, nowMs });
    return handleObject(req, url, method, nowMs);
  }

  function handleObject(req: OriginRequest, url: URL, method: string, nowMs: number): OriginResponse {
    const path = url.pathname;
    countRequest(state, path, method);
    const resolved = resolveRepresentation({
      path,
      query: url.searchParams,
      route: matchRoute(config.routes, path),
      object: objectState(state, path, nowMs),
      config,
      nowMs,
      random,
    });
    if (resolved.kind === 'bad-query') return jsonError(400, resolved.message, nowMs);
    const rep = resolved.representation;

    const failure = decideFailure(state.failure, rep.failRequested, random);
    if (failure !== 'none') return failureResponse(failure, state.failure.status, nowMs, rep.latencyMs);

    if (method === 'GET' || method === 'HEAD') return answerObject(rep, path, method, req.headers);
    if (UNSAFE_METHODS.has(method)) {
      // An unsafe method changes the object, which is what a cache's invalidation (RFC 9111 §4.4)
      // must notice; Location and Content-Location name further URIs it should invalidate.
      const version = bumpVersion(state, path, nowMs);
      const extraHeaders = rep.headers.filter(([name]) => name === 'location' || name === 'content-location');
      return jsonResponse(200, { path, version }, nowMs, { delayMs: rep.latencyMs, extraHeaders });
    }
    return { ...jsonError(405, `method ${method} is not supported`, nowMs, [['allow', ALLOWED_METHODS]]), delayMs: rep.latencyMs };
  }

  return { handle, stats: () => statsSnapshot(state) };
}
