/** The edge's request, response and outcome shapes: plain data shared by adapters and the simulator. */
import type { RequestHeaders } from '../../common/http.js';
import type { InformationalResponse } from '../../common/ports.js';
import type { CacheStatusParams } from '../policy/cache-status.js';

export interface EdgeRequest {
  method: string;
  /** Path and query as received on the request line. */
  target: string;
  headers: RequestHeaders;
  /** Request body for methods that carry one; streamed to the origin. */
  body?: AsyncIterable<Uint8Array> | undefined;
  /** Peer address, for X-Forwarded-For. */
  clientAddress?: string | undefined;
  /**
   * Sends a 1xx response to this client ahead of the final one (103 Early Hints from the
   * origin); absent when the carrier cannot (the simulator's client, an HTTP/1.0 client).
   */
  sendInformational?: ((info: InformationalResponse) => void) | undefined;
}

/** What happened to one request: the single record metrics, logs, Cache-Status and checkers read. */
export interface Outcome extends CacheStatusParams {
  kind: OutcomeKind;
  /** Body bytes sent (or to be sent when the body streams). */
  bytes: number;
  /** Who answered upstream, for logs: `origin` or a peer's id; absent when nothing went upstream. */
  upstream?: string;
}

export type OutcomeKind =
  | 'hit'
  | 'stale-while-revalidate'
  | 'stale-if-error'
  | 'revalidated'
  | 'miss'
  | 'collapsed'
  | 'pass'
  | 'error';

export interface EdgeResponse {
  status: number;
  /** `[name, value, ...]` for node's writeHead. */
  headers: string[];
  /** Absent for HEAD, 304 and other bodiless answers. */
  body: Buffer | AsyncIterable<Uint8Array> | undefined;
  outcome: Outcome;
  /**
   * The surrogate keys of the stored copy this answer serves (serveStored), which its fields may
   * not show: an answer to a peer names them (Edge.forPeer), as a push does (handover.ts).
   */
  surrogateKeys?: readonly string[] | undefined;
  /**
   * Present on an answer reused for many requests (hit-answers.ts): a server layer may keep its
   * serialized status line and header fields in `head` (opaque here) and write them as they are;
   * whoever changes `headers` before `changingFrom` sets `head` to undefined. The fields from
   * index `changingFrom` of `headers` on (a hit's Age and Cache-Status, which tick every second)
   * are not in the kept block: a server layer serializes them with each response, so retiming an
   * answer leaves its kept block valid and no block per object and second is made (they lived a
   * second and were promoted, feeding mark-compacts over a hot set). Absent: every field is kept.
   */
  wire?: { head: object | undefined; changingFrom?: number | undefined } | undefined;
}
