/**
 * From what a server layer received to the pipeline's request record (EdgeRequest), without a
 * transport: the own HTTP/1.1 layer, node:http (edge/adapters/node-server.ts) and the simulator
 * (sim/kernel/edge-wire.ts) all build their requests here, so the pipeline sees the same request
 * whichever of them carried it.
 */
import type { RequestHeaders } from '../../common/http.js';
import type { InformationalResponse } from '../../common/ports.js';
import type { EdgeRequest } from './types.js';
import { fieldRank, OTHER_NAME_RANK } from './common-field-names.js';

/** Fields node:http keeps only the first of (lib/_http_incoming.js matchKnownFields). */
const FIRST_ONLY = new Set([
  'content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization', 'proxy-authorization',
  'if-modified-since', 'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag',
  'last-modified', 'server', 'age', 'expires',
]);

/** Never true: HeaderBag's assignments are there to be counted, not run. */
const ROOM_ONLY = false as boolean;

/**
 * A header object without Object.prototype in its chain (a field named `__proto__` or
 * `constructor` is just a field), made by a constructor whose prototype has no prototype itself:
 * V8 keeps such objects in fast mode, where `Object.create(null)` makes a dictionary, so the
 * pipeline's reads of the same few fields on every request hit inline caches.
 *
 * Room for HEADER_BAG_FIELDS fields inside the object. V8 sizes a constructor's objects by the
 * assignments to `this` in its body (plus 8), then shrinks them to what its first few objects
 * used. An empty body gave at most 8 fields inside, and an edge whose first requests had few
 * fields (a fill, a health check) kept only those few: a browser's 15 fields then went to a
 * separate store, reallocated as it grew, about 340 of the 2.8 KB a browser-like hit allocated in
 * a running edge (heap profiler under wrk). So the body's 16 assignments, which never run
 * (ROOM_ONLY), raise the size to 24, and reserveHeaderBagRoom makes the first objects use
 * HEADER_BAG_FIELDS of it (test/edge/pipeline/header-object.test.ts reads V8's own count).
 */
const HeaderBag = function HeaderBag(this: Record<string, unknown>) {
  if (ROOM_ONLY) {
    this['r0'] = this['r1'] = this['r2'] = this['r3'] = this['r4'] = this['r5'] = this['r6'] = this['r7'] = undefined;
    this['r8'] = this['r9'] = this['r10'] = this['r11'] = this['r12'] = this['r13'] = this['r14'] = this['r15'] = undefined;
  }
} as unknown as new () => Record<string, string | string[]>;
HeaderBag.prototype = Object.create(null) as Record<string, string | string[]>;

/** Fields a header object holds inside itself (a browser sends 10 to 20); more go to a separate store. At most 24 (HeaderBag's body). */
export const HEADER_BAG_FIELDS = 16;

/** The first header objects, made here with HEADER_BAG_FIELDS fields each, so V8 keeps that much room. */
function reserveHeaderBagRoom(): void {
  for (let i = 0; i < 8; i++) {
    const bag = new HeaderBag();
    for (let f = 0; f < HEADER_BAG_FIELDS; f++) bag[`room-${f}`] = '';
  }
}
reserveHeaderBagRoom();

/**
 * Canonical field order. V8 gives an object one hidden class (map) per sequence of property names
 * added to it, and the pipeline's optimized code checks that class on the fields it reads. Built
 * in received order, header objects had a class per client's field order (each browser has its
 * own, and each wrk process another: its Lua table's order): each new order deoptimized the hit
 * path (handle, admitRequest, answer, the peer gate), which ran unoptimized while V8 compiled it
 * again (16.6 ms for handle() alone, on a worker thread sharing the serving core); after four
 * orders V8 most likely stops specializing those reads at all (its polymorphism limit). So every
 * header object the pipeline gets (from the own HTTP/1.1 layer, node:http, either HTTP/2 layer or
 * the simulator) holds its fields in one order whatever order they came in: the common names
 * (common-field-names.ts) in that list's order, then every other name in received order.
 * Fields of one name keep their received order, so combining them (addField) gives the same
 * value; RFC 9110 §5.3 makes the order of fields with different names insignificant. node:http
 * and the HTTP/2 layers combine repeated fields themselves; their header objects are copied into
 * the same order (headerObjectOfCombined).
 *
 * `order` gets the positions 0..n-1 sorted by `ranks` (fieldRank), equal ranks in received order:
 * a counting sort over the COMMON_NAMES.length + 1 ranks, linear in n whatever order a client
 * chooses (an insertion sort was quadratic in the fields a hostile head can carry).
 */
export function canonicalOrder(ranks: readonly number[], n: number, order: number[]): number[] {
  const starts = RANK_STARTS;
  starts.fill(0);
  for (let i = 0; i < n; i++) starts[ranks[i]! + 1]!++;
  for (let r = 1; r < starts.length; r++) starts[r]! += starts[r - 1]!;
  order.length = n;
  for (let i = 0; i < n; i++) order[starts[ranks[i]!]!++] = i;
  return order;
}

/**
 * Scratch for canonicalOrder and headerObject: numbers only, used and finished within one
 * synchronous call (so no call sees another's), kept so that a call allocates nothing.
 */
const RANK_STARTS = new Int32Array(OTHER_NAME_RANK + 2);
const LIST_RANKS: number[] = [];
const LIST_ORDER: number[] = [];

/**
 * The header object from a raw field list (names lower-cased, in received order), in canonical
 * field order (above), combined the way node:http's IncomingMessage combines repeated fields
 * (`--http-server own|node` agree on every value).
 */
export function headerObject(rawHeaders: ReadonlyArray<readonly [string, string]>): RequestHeaders {
  const out = new HeaderBag();
  const n = rawHeaders.length;
  for (let i = 0; i < n; i++) LIST_RANKS[i] = fieldRank(rawHeaders[i]![0]);
  for (const i of canonicalOrder(LIST_RANKS, n, LIST_ORDER)) addField(out, rawHeaders[i]![0], rawHeaders[i]![1]);
  return out;
}

/**
 * The header object from fields a library has already combined, each name once (node:http's
 * IncomingMessage.headers, an HTTP/2 stream's fields): the same kind of object headerObject makes,
 * in canonical field order and with nothing inherited, so the pipeline sees one hidden class per
 * set of field names whichever carrier brought the request. `names[i]` holds `values[i]`; the
 * first `n` count.
 */
export function headerObjectOfCombined(names: readonly string[], values: ReadonlyArray<string | string[]>, n: number): RequestHeaders {
  const out = new HeaderBag();
  for (let i = 0; i < n; i++) LIST_RANKS[i] = fieldRank(names[i]!);
  for (const i of canonicalOrder(LIST_RANKS, n, LIST_ORDER)) out[names[i]!] = values[i]!;
  return out;
}

/** headerObjectOfCombined over a header object's own fields (undefined values dropped). */
export function canonicalHeaderCopy(source: Readonly<Record<string, string | string[] | undefined>>): RequestHeaders {
  const names: string[] = [];
  const values: Array<string | string[]> = [];
  for (const name of Object.keys(source)) {
    const value = source[name];
    if (value === undefined) continue;
    names.push(name);
    values.push(value);
  }
  return headerObjectOfCombined(names, values, names.length);
}

/**
 * An empty header object, for a server layer that adds the fields itself, in canonical field
 * order (the own HTTP/1.1 parser: a store per field when the names are known distinct, addField
 * otherwise).
 */
export function emptyHeaderObject(): Record<string, string | string[]> {
  return new HeaderBag();
}

/** Adds one field to a header object, combined with an earlier one of its name as node:http combines them. */
export function addField(out: Record<string, string | string[]>, name: string, value: string): void {
  const prev = out[name];
  if (prev === undefined) {
    out[name] = name === 'set-cookie' ? [value] : value;
  } else if (name === 'set-cookie') {
    (prev as string[]).push(value);
  } else if (!FIRST_ONLY.has(name)) {
    out[name] = `${prev as string}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
}

/**
 * Whether the pipeline gets the request's body: only when one is framed (Content-Length or
 * Transfer-Encoding) and the method is not GET or HEAD, whose bodies have no defined meaning
 * (RFC 9110 §9.3.1, §9.3.2) and are never forwarded.
 */
export function bodyForPipeline(method: string, framed: boolean): boolean {
  return framed && method !== 'GET' && method !== 'HEAD';
}

/**
 * The pipeline's request record. `body` is passed only when bodyForPipeline allows it;
 * `sendInformational` is undefined when the carrier cannot send 1xx (an HTTP/1.0 client,
 * RFC 9110 §15.2). One object shape for every request keeps the pipeline's call site
 * monomorphic.
 */
export function edgeRequestOf(
  method: string,
  target: string,
  headers: RequestHeaders,
  body: AsyncIterable<Uint8Array> | undefined,
  clientAddress: string | undefined,
  sendInformational: ((info: InformationalResponse) => void) | undefined,
): EdgeRequest {
  return { method, target, headers, body, clientAddress, sendInformational };
}
