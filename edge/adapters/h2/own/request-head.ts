/**
 * A decoded HTTP/2 request header list checked as RFC 9113 §8 requires, then made into the header
 * object node:http2 would hand over, so the rest of the h2 path (request-fields.ts: `:authority`
 * vs Host, the list bound) and the pipeline see the same request whichever layer carried it.
 *
 * Malformed (§8.1.1) and answered with RST_STREAM PROTOCOL_ERROR, as nghttp2 does under node:http2:
 * - pseudo-fields not first, unknown, repeated, or a response one (§8.3);
 * - `:method` missing; `:scheme` or `:path` missing (or `:path` empty) except for CONNECT, which
 *   carries only `:authority` (§8.5); `:path` not starting with "/" (other than `*` for OPTIONS, §8.3.1);
 * - a name with uppercase letters or not a token, a value with NUL, CR or LF or with leading or
 *   trailing whitespace (§8.2.1), or with any other control character but HTAB (RFC 9110 §5.5);
 * - a connection-specific field, or TE other than "trailers" (§8.2.2);
 * - Content-Length not a number, or given twice with different values (RFC 9110 §8.6).
 */
import type { IncomingHttpHeaders } from 'node:http2';

export interface RequestHead {
  method: string;
  /** `:path`; undefined for CONNECT. */
  path: string | undefined;
  /** node:http2's header object: pseudo-fields included, repeated fields combined as node combines them. */
  headers: IncomingHttpHeaders;
  /** The declared body length, checked against the DATA received (RFC 9113 §8.1.1). */
  contentLength: number | undefined;
}

const PSEUDO = new Set([':method', ':scheme', ':path', ':authority']);
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/**
 * Fields node:http2 keeps only the first of (lib/internal/http2/util.js kSingleValueHeaders);
 * others are joined with ", ", Cookie with "; " (RFC 9113 §8.2.3), Set-Cookie kept as a list.
 */
const SINGLE_VALUE = new Set([
  'access-control-allow-credentials', 'access-control-max-age', 'access-control-request-method', 'age', 'authorization',
  'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type',
  'date', 'dnt', 'etag', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'tk', 'upgrade-insecure-requests', 'user-agent', 'x-content-type-options',
]);

/** RFC 9110 §5.6.2 tchar, lowercase only (RFC 9113 §8.2.1). */
const NAME_CHAR = (() => {
  const ok = new Uint8Array(128);
  for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") ok[c.charCodeAt(0)] = 1;
  return ok;
})();

function badName(name: string, from: number): boolean {
  if (name.length === from) return true;
  for (let i = from; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || NAME_CHAR[c] === 0) return true;
  }
  return false;
}

function badValue(value: string): boolean {
  if (value.length === 0) return false;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) return true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    // §8.2.1 forbids NUL, CR and LF; RFC 9110 §5.5 makes every other control but HTAB invalid
    // too, and the HTTP/1.1 parser refuses them: one let through here reached undici, which
    // would not send it, and the peer it was for was taken for dead.
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

export function requestHead(fields: readonly string[]): RequestHead | { malformed: string } {
  const headers: IncomingHttpHeaders = Object.create(null) as IncomingHttpHeaders;
  let regularSeen = false;
  let contentLength: number | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    if (badValue(value)) return { malformed: `field ${name} has a forbidden character or surrounding whitespace` };
    if (name.charCodeAt(0) === 0x3a /* : */) {
      if (regularSeen) return { malformed: `pseudo-field ${name} after a regular field` };
      if (!PSEUDO.has(name)) return { malformed: `unknown pseudo-field ${name}` };
      if (headers[name] !== undefined) return { malformed: `pseudo-field ${name} repeated` };
      headers[name] = value;
      continue;
    }
    regularSeen = true;
    if (badName(name, 0)) return { malformed: `field name ${JSON.stringify(name)} is not a lowercase token` };
    if (CONNECTION_SPECIFIC.has(name)) return { malformed: `connection-specific field ${name}` };
    if (name === 'te' && value !== 'trailers') return { malformed: 'TE other than "trailers"' };
    if (name === 'content-length') {
      if (!/^[0-9]{1,15}$/.test(value)) return { malformed: 'Content-Length is not a number' };
      const n = Number(value);
      if (contentLength !== undefined && contentLength !== n) return { malformed: 'two different Content-Length values' };
      contentLength = n;
    }
    const prev = headers[name];
    if (prev === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
    else if (name === 'set-cookie') (prev as string[]).push(value);
    else if (SINGLE_VALUE.has(name)) continue;
    else headers[name] = `${prev as string}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  const method = headers[':method'] as string | undefined;
  if (method === undefined || method === '') return { malformed: ':method missing' };
  if (method === 'CONNECT') {
    if (headers[':scheme'] !== undefined || headers[':path'] !== undefined || headers[':authority'] === undefined) return { malformed: 'CONNECT carries :authority only' };
    return { method, path: undefined, headers, contentLength };
  }
  const path = headers[':path'] as string | undefined;
  if (headers[':scheme'] === undefined) return { malformed: ':scheme missing' };
  if (path === undefined || path === '') return { malformed: ':path missing or empty' };
  // §8.3.1: origin-form, or '*' for OPTIONS (as nghttp2). An absolute form would reach the
  // pipeline as an absolute-form target, whose authority replaces :authority and Host.
  if (path.charCodeAt(0) !== 0x2f /* / */ && !(path === '*' && method === 'OPTIONS')) return { malformed: ':path not starting with "/"' };
  return { method, path, headers, contentLength };
}
