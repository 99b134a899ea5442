/**
 * The admin API tests use to steer the origin: bump an object's version, inject failures, reset.
 * Every endpoint needs `Authorization: Bearer <adminToken>`; answers and errors are JSON.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { requestHeader } from '../common/http.js';
import { jsonError, jsonResponse } from './json-response.js';
import { bumpVersion, DEFAULT_FAILURE_STATUS, resetObjectsAndStats, type OriginState } from './state.js';
import type { OriginRequest, OriginResponse } from './types.js';

export const FailureBodySchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('refuse'), Type.Literal('hang')]),
    status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599 })),
    failureRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);
export type FailureBody = Static<typeof FailureBodySchema>;

export interface AdminContext {
  state: OriginState;
  adminToken: string | undefined;
  nowMs: number;
}

/** Resolves a request target against a dummy base; the host part is never used. */
export const TARGET_BASE = 'http://origin.invalid';

type Endpoint = (req: OriginRequest, url: URL, ctx: AdminContext) => OriginResponse;

const endpoints: Record<string, Endpoint> = {
  '/_admin/version': bumpVersionEndpoint,
  '/_admin/failure': setFailureEndpoint,
  '/_admin/reset': resetEndpoint,
};

export function handleAdmin(req: OriginRequest, url: URL, ctx: AdminContext): OriginResponse {
  if (!isAuthorized(requestHeader(req.headers, 'authorization'), ctx.adminToken)) {
    // RFC 9110 §11.6.1: a 401 names the scheme the client should use.
    return jsonError(401, 'authorization: expected Bearer <admin token>', ctx.nowMs, [['www-authenticate', 'Bearer']]);
  }
  const endpoint = Object.hasOwn(endpoints, url.pathname) ? endpoints[url.pathname] : undefined;
  if (endpoint === undefined) return jsonError(404, `no admin endpoint ${url.pathname}`, ctx.nowMs);
  if (req.method !== 'POST') return jsonError(405, `${url.pathname} accepts POST only`, ctx.nowMs, [['allow', 'POST']]);
  return endpoint(req, url, ctx);
}

function isAuthorized(authorization: string | undefined, adminToken: string | undefined): boolean {
  if (adminToken === undefined || authorization === undefined) return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match !== null && match[1] === adminToken;
}

/** `POST /_admin/version?path=/a`: the object at /a moves to its next version. */
function bumpVersionEndpoint(_req: OriginRequest, url: URL, ctx: AdminContext): OriginResponse {
  const path = url.searchParams.get('path');
  if (path === null || !path.startsWith('/')) return jsonError(400, 'path: expected a query parameter path=/object/path', ctx.nowMs);
  // Normalise as object requests are (dot segments, percent-encoding), so the bump hits the same key.
  const pathname = new URL(path, TARGET_BASE).pathname;
  const version = bumpVersion(ctx.state, pathname, ctx.nowMs);
  return jsonResponse(200, { path: pathname, version }, ctx.nowMs);
}

/**
 * `POST /_admin/failure` with `{ mode, status?, failureRate? }` replaces the failure settings
 * whole: an omitted status is 503 and an omitted failureRate is 0, so `{"mode":"ok"}` always
 * means a healthy origin, whatever the config's failureRate was.
 */
function setFailureEndpoint(req: OriginRequest, _url: URL, ctx: AdminContext): OriginResponse {
  const parsed = parseJsonBody(req.body);
  if (parsed.kind === 'invalid') return jsonError(400, parsed.message, ctx.nowMs);
  const firstError = Value.Errors(FailureBodySchema, parsed.value).First();
  if (firstError !== undefined) {
    const field = firstError.path.replace(/^\//, '').replaceAll('/', '.') || 'body';
    return jsonError(400, `${field}: ${describeSchemaError(firstError)}`, ctx.nowMs);
  }
  const body = parsed.value as FailureBody;
  ctx.state.failure = { mode: body.mode, status: body.status ?? DEFAULT_FAILURE_STATUS, failureRate: body.failureRate ?? 0 };
  return jsonResponse(200, ctx.state.failure, ctx.nowMs);
}

/** `POST /_admin/reset`: versions and counts start over; failure settings stay as they are. */
function resetEndpoint(_req: OriginRequest, _url: URL, ctx: AdminContext): OriginResponse {
  resetObjectsAndStats(ctx.state);
  return jsonResponse(200, { reset: true }, ctx.nowMs);
}

/** typebox says "expected union value" for a bad enum; naming the allowed values is more useful. */
function describeSchemaError(error: ValueError): string {
  const required = error.type === ValueErrorType.ObjectRequiredProperty;
  const literals = (error.schema.anyOf as TSchema[] | undefined)?.map((member) => member.const as unknown);
  if (literals !== undefined && literals.every((value) => typeof value === 'string')) {
    return `${required ? 'required; ' : ''}expected one of ${literals.join(', ')}`;
  }
  return error.message.toLowerCase();
}

function parseJsonBody(body: Uint8Array | undefined): { kind: 'json'; value: unknown } | { kind: 'invalid'; message: string } {
  const text = body === undefined ? '' : new TextDecoder().decode(body);
  if (text.trim() === '') return { kind: 'invalid', message: 'body: expected a JSON object, got an empty body' };
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch (err) {
    return { kind: 'invalid', message: `body: not valid JSON: ${(err as Error).message}` };
  }
}
