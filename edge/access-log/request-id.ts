/**
 * The request id an access-log line carries: the client's (or a load balancer's) X-Request-Id
 * when it is a short visible-ASCII token, so one id follows a request across tiers, else one
 * this edge makes up. A client-chosen id is only a correlation aid, never trusted for anything.
 */
const USABLE = /^[\x21-\x7e]{1,128}$/;

export function requestIdOf(header: string | string[] | undefined, makeId: () => string): string {
  return typeof header === 'string' && USABLE.test(header) ? header : makeId();
}

/** Ids unique within a process run: a per-process prefix and a counter, in base 36. */
export function sequentialIds(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}-${(++n).toString(36)}`;
}
