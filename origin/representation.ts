/**
 * What an object looks like for one request: status, size, version and the header fields a 200
 * would carry, resolved in rising precedence from defaults, the longest matching route, and the
 * request's query parameters (see README / brief for the parameter list).
 */
import type { HeaderList } from '../common/http.js';
import type { Random } from '../common/ports.js';
import { fnv1a32 } from './body.js';
import { formatHttpDate } from '../common/http-semantics/http-date.js';
import { MAX_BODY_SIZE_BYTES, MAX_LATENCY_MS, type OriginConfig, type OriginRoute } from './schema.js';
import type { ObjectState } from './state.js';

export const DEFAULT_SIZE_BYTES = 1024;
export const DEFAULT_CACHE_CONTROL = 'public, max-age=300';
export const DEFAULT_CONTENT_TYPE = 'text/plain';

export interface Representation {
  status: number;
  version: number;
  sizeBytes: number;
  latencyMs: number;
  /** `?fail=1`: this request should fail as an injected error would. */
  failRequested: boolean;
  /** Every header a 200 would carry except Content-Length, in send order. */
  headers: HeaderList;
  etag: string | undefined;
  lastModified: string | undefined;
  /** `?early-hints=<Link value>`: a 103 Early Hints with that Link goes out before the answer. */
  earlyHintsLink: string | undefined;
}

export type RepresentationResult = { kind: 'ok'; representation: Representation } | { kind: 'bad-query'; message: string };

export interface RepresentationInput {
  path: string;
  query: URLSearchParams;
  route: OriginRoute | undefined;
  object: ObjectState;
  config: OriginConfig;
  nowMs: number;
  random: Random;
}

/** The route with the longest prefix of `path`; plain string prefixes, so `/a` also covers `/ab`. */
export function matchRoute(routes: readonly OriginRoute[], path: string): OriginRoute | undefined {
  let best: OriginRoute | undefined;
  for (const route of routes) {
    if (path.startsWith(route.prefix) && (best === undefined || route.prefix.length > best.prefix.length)) best = route;
  }
  return best;
}

class BadQuery extends Error {}

export function resolveRepresentation(input: RepresentationInput): RepresentationResult {
  try {
    return { kind: 'ok', representation: resolve(input) };
  } catch (err) {
    if (err instanceof BadQuery) return { kind: 'bad-query', message: err.message };
    throw err;
  }
}

function resolve({ path, query, route, object, config, nowMs, random }: RepresentationInput): Representation {
  const q = new QueryReader(query);
  const version = q.integer('v', 1, Number.MAX_SAFE_INTEGER) ?? object.version;
  const sizeBytes = Math.min(q.integer('size', 0, Number.MAX_SAFE_INTEGER) ?? route?.sizeBytes ?? DEFAULT_SIZE_BYTES, MAX_BODY_SIZE_BYTES);
  const status = q.integer('status', 200, 599) ?? route?.status ?? 200;
  const latencyMs = q.number('latency', 0, MAX_LATENCY_MS) ?? route?.latencyMs ?? config.latencyMs;

  // `date=offset:<s>` skews the origin's whole clock, so Expires and Last-Modified move with Date.
  const dateParam = q.headerText('date');
  const skewSeconds = dateParam?.startsWith('offset:') ? parseSeconds('date', dateParam.slice('offset:'.length)) : 0;
  const originNowMs = nowMs + skewSeconds * 1000;
  const date = dateParam === undefined || dateParam.startsWith('offset:') ? formatHttpDate(originNowMs) : dateParam;

  const etag = entityTag(q.headerText('etag') ?? route?.etag ?? 'strong', path, version, sizeBytes);
  const lastModified = lastModifiedValue(q.headerText('lm'), route?.lastModified ?? true, object.modifiedMs + skewSeconds * 1000, originNowMs);
  const expiresParam = q.headerText('expires');
  const expires =
    expiresParam !== undefined
      ? /^-?\d+$/.test(expiresParam)
        ? formatHttpDate(originNowMs + Number(expiresParam) * 1000)
        : expiresParam
      : route?.expiresSeconds !== undefined
        ? formatHttpDate(originNowMs + route.expiresSeconds * 1000)
        : undefined;
  const cookie = q.headerText('cookie') === '1' || route?.setCookie === true ? `session=${randomHex(random)}; Path=/` : undefined;

  const headers: HeaderList = [];
  const add = (name: string, value: string | undefined): void => {
    // An empty value means "send no such header", which is how a test removes a default.
    if (value !== undefined && value !== '') headers.push([name, value]);
  };
  add('date', date);
  add('content-type', q.headerText('ct') ?? DEFAULT_CONTENT_TYPE);
  add('cache-control', q.headerText('cc') ?? route?.cacheControl ?? DEFAULT_CACHE_CONTROL);
  add('cdn-cache-control', q.headerText('cdncc') ?? route?.cdnCacheControl);
  add('expires', expires);
  add('etag', etag);
  add('last-modified', lastModified);
  add('vary', q.headerText('vary') ?? route?.vary);
  add('surrogate-key', q.headerText('sk') ?? route?.surrogateKey);
  add('age', q.headerText('age'));
  add('set-cookie', cookie);
  add('location', q.headerText('location'));
  add('content-location', q.headerText('clocation'));
  if (status === 200) add('accept-ranges', 'bytes');

  return {
    status,
    version,
    sizeBytes,
    latencyMs,
    failRequested: q.headerText('fail') === '1',
    headers,
    etag: etag === '' ? undefined : etag,
    lastModified: lastModified === '' ? undefined : lastModified,
    earlyHintsLink: q.headerText('early-hints'),
  };
}

/** `strong`/`weak` derive a tag from path, version and size, so any change of bytes changes it. */
function entityTag(choice: string, path: string, version: number, sizeBytes: number): string | undefined {
  const opaque = `"v${version}-${fnv1a32(`${path}\u0000${version}\u0000${sizeBytes}`).toString(16).padStart(8, '0')}"`;
  switch (choice) {
    case 'none':
      return undefined;
    case 'strong':
      return opaque;
    case 'weak':
      return `W/${opaque}`;
    default:
      return choice;
  }
}

/** `none`, whole seconds before now, or a verbatim value; by default the object's modification time. */
function lastModifiedValue(param: string | undefined, enabled: boolean, modifiedMs: number, originNowMs: number): string | undefined {
  if (param === undefined) return enabled ? formatHttpDate(modifiedMs) : undefined;
  if (param === 'none') return undefined;
  if (/^-?\d+$/.test(param)) return formatHttpDate(originNowMs - Number(param) * 1000);
  return param;
}

function parseSeconds(name: string, text: string): number {
  if (!/^-?\d+$/.test(text)) throw new BadQuery(`query parameter ${name}: expected offset:<integer seconds>, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** 64 bits of hex for a session cookie: two draws, so a seeded Random gives a seeded cookie. */
function randomHex(random: Random): string {
  const word = (): string => Math.floor(random.next() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return word() + word();
}

/** Reads query parameters, turning a bad value into a BadQuery that names the parameter. */
class QueryReader {
  constructor(private readonly params: URLSearchParams) {}

  /** A value that ends up in a header: must contain only characters a field value may hold (RFC 9110 §5.5). */
  headerText(name: string): string | undefined {
    const value = this.params.get(name);
    if (value === null) return undefined;
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) throw new BadQuery(`query parameter ${name}: contains characters not allowed in a header field`);
    return value;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.params.get(name);
    if (value === null) return undefined;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new BadQuery(`query parameter ${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return n;
  }

  number(name: string, min: number, max: number): number | undefined {
    const value = this.params.get(name);
    if (value === null) return undefined;
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new BadQuery(`query parameter ${name}: expected a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return n;
  }
}
