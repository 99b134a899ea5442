/**
 * From the parser's raw field list to the header object the pipeline reads, combined the way
 * node:http's IncomingMessage combines repeated fields, so the pipeline sees the same request
 * whichever server layer received it (`--http-server own|node`).
 */
import type { RequestHeaders } from '../../../common/http.js';

/** Fields node:http keeps only the first of (lib/_http_incoming.js matchKnownFields). */
const FIRST_ONLY = new Set([
  'content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization', 'proxy-authorization',
  'if-modified-since', 'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag',
  'last-modified', 'server', 'age', 'expires',
]);

/**
 * A header object without Object.prototype in its chain (a field named `__proto__` or
 * `constructor` is just a field), made by a constructor whose prototype has no prototype itself:
 * V8 keeps such objects in fast mode, where `Object.create(null)` makes a dictionary, so the
 * pipeline's reads of the same few fields on every request hit inline caches.
 */
const HeaderBag = function HeaderBag(this: object) {} as unknown as new () => Record<string, string | string[]>;
HeaderBag.prototype = Object.create(null) as Record<string, string | string[]>;

export function headerObject(rawHeaders: ReadonlyArray<readonly [string, string]>): RequestHeaders {
  const out = new HeaderBag();
  for (const [name, value] of rawHeaders) {
    const prev = out[name];
    if (prev === undefined) {
      out[name] = name === 'set-cookie' ? [value] : value;
    } else if (name === 'set-cookie') {
      (prev as string[]).push(value);
    } else if (FIRST_ONLY.has(name)) {
      continue;
    } else {
      out[name] = `${prev as string}${name === 'cookie' ? '; ' : ', '}${value}`;
    }
  }
  return out;
}
