/**
 * The typed seam through which whoever watches finished requests (the access log, the request
 * duration histograms) sees them. The server adapter emits one `CompletedRequest` per request
 * when its response is over; observers receive the pipeline's own `Outcome` record plus what only
 * the adapter knows (client address, protocol, how long the whole response took). Observers must
 * be cheap and must not throw: they run on the request's completion, not before it is answered.
 */
import type { Outcome } from './types.js';

/** A request id: the client's X-Request-Id text, or this edge's number for the request (access-log/request-id.ts). */
export type RequestId = string | number;

export interface CompletedRequest {
  /** Wall-clock time the request arrived, ms since the epoch. */
  startWallMs: number;
  /** Arrival to the last byte handed to the socket (or to the abort), on the monotonic clock. */
  durationMs: number;
  clientAddress: string | undefined;
  method: string;
  /** Path and query as received. */
  target: string;
  /** `HTTP/1.1`, `HTTP/1.0`, … as received. */
  protocol: string;
  status: number;
  outcome: Outcome;
  /**
   * The client's X-Request-Id when it sent a usable one, else this edge's number for the request,
   * which the access log writes as `<process prefix>-<base 36>` (request-id.ts).
   */
  requestId: RequestId;
  /** False when the client went away (or the body failed) before the response was complete. */
  completed: boolean;
  /** Referer and User-Agent, for the combined log format. */
  referer: string | undefined;
  userAgent: string | undefined;
}

export interface RequestObserver {
  completed(event: CompletedRequest): void;
}

/** Calls every observer; one that throws is a programming error, reported but not allowed to stop the others. */
export function fanOut(observers: readonly RequestObserver[], onError: (err: unknown) => void): RequestObserver {
  // Always wrapped, even for one observer: it runs from a socket's 'close' event, where a throw
  // would be an uncaught exception and take the process down.
  return {
    completed(event) {
      for (const o of observers) {
        try {
          o.completed(event);
        } catch (err) {
          onError(err);
        }
      }
    },
  };
}

/** Which upstream answered: `origin`, a peer's id, or `-` when nothing went upstream (a hit, a collapsed wait). */
export function upstreamOf(outcome: Outcome): string {
  return outcome.upstream ?? '-';
}
