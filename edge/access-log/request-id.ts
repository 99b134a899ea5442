/**
 * The request id an access-log line carries: the client's (or a load balancer's) X-Request-Id
 * when it is a short visible-ASCII token, so one id follows a request across tiers, else a number
 * this edge gives the request. A client-chosen id is only a correlation aid, never trusted for anything.
 *
 * The edge's own ids are numbers, not strings, until the log writes them: `<process prefix>-<n in
 * base 36>`, the prefix random per process, so ids are unique per process run and across restarts
 * in practice. Making the string per request (toString(36), a concatenation, then flattening it to
 * encode it) cost more than writing its digits straight into the line (issue 18's access-log bench).
 */
import type { RequestId } from '../pipeline/request-events.js';

const USABLE = /^[\x21-\x7e]{1,128}$/;

export function requestIdOf(header: string | string[] | undefined, makeId: () => RequestId): RequestId {
  return typeof header === 'string' && USABLE.test(header) ? header : makeId();
}

/** Numbers 1, 2, 3, … for one process's requests (one counter per watched server set, shared by its connections). */
export function requestNumbers(): () => number {
  let n = 0;
  return () => ++n;
}

/** Ids unique within a process run as strings: a per-process prefix and a counter, in base 36 (tests, harnesses). */
export function sequentialIds(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}-${(++n).toString(36)}`;
}

/** The id as the log writes it: a client's as it came, the edge's own as `<prefix>-<base 36>`. */
export function requestIdText(id: RequestId, prefix: string): string {
  return typeof id === 'string' ? id : `${prefix}-${id.toString(36)}`;
}
