/**
 * Times one request and, when its response is over (finished or aborted), emits the
 * `CompletedRequest` record to the observer. Only attached when something observes, so an edge
 * without observers pays nothing for it. Any carrier that can describe its exchange
 * (`WatchedExchange`) is watched the same way: node:http here, HTTP/2 streams in h2/serve-stream.ts.
 */
import { requestHeader, type RequestHeaders } from '../../common/http.js';
import type { Clock } from '../../common/ports.js';
import { requestIdOf } from '../access-log/request-id.js';
import type { ClientRequest, ClientResponse } from './client-request.js';
import type { RequestId, RequestObserver } from '../pipeline/request-events.js';
import type { EdgeResponse, Outcome } from '../pipeline/types.js';

export interface WatchOptions {
  observer: RequestObserver;
  clock: Clock;
  /** The edge's own id for a request without a usable X-Request-Id: a number the access log writes with its process prefix (request-id.ts). */
  makeRequestId: () => RequestId;
  /**
   * False when no observer reads more than the outcome, protocol, status and duration (no access
   * log): a response written whole is then reported as it is handed to the socket, with no
   * 'close' listener, no request id and no log fields. Measured with node:http, the full record
   * on every hit cost about a tenth of the 1 KiB hit rate. Default true.
   */
  fullRecord?: boolean;
  /**
   * Wall-clock ms for a reading of `clock.monoMs()` (access-log/wall-from-mono.ts), so a request's
   * log time costs no second clock read. Absent: `clock.wallMs()` is read when the request arrives.
   */
  wallAt?: ((monoMs: number) => number) | undefined;
  /** False when no observer reads Referer and User-Agent (only the combined log format does). Default true. */
  agentFields?: boolean;
}

export interface RequestWatch {
  /** The pipeline's answer; a request that never gets one (a 502 from the adapter) is logged as an error. */
  answered(r: EdgeResponse): void;
}

/** What the watch reads of one request and its response, whichever server carried them. */
export interface WatchedExchange {
  method: string;
  target: string;
  /** `HTTP/1.1`, `HTTP/2`, … */
  protocol: string;
  headers: RequestHeaders;
  /** Read when the request arrives: by the time the response closes the socket may be gone. */
  clientAddress: string | undefined;
  /** The status sent (the adapter's own 502 included). */
  status(): number;
  /** The whole response was handed to the connection. */
  finished(): boolean;
  /** `callback` runs once, when the response is over or aborted. */
  onClose(callback: () => void): void;
}

export function watchRequest(o: WatchOptions, req: ClientRequest, res: ClientResponse): RequestWatch {
  return watchExchange(o, {
    method: req.method ?? 'GET',
    target: req.url ?? '/',
    protocol: req.httpVersion === '1.1' ? 'HTTP/1.1' : `HTTP/${req.httpVersion}`,
    headers: req.headers,
    // node:http may have detached the socket by the time the response closes (req.socket is null
    // then, e.g. after an answer to a PUT whose body was not read).
    clientAddress: o.fullRecord === false ? undefined : req.socket?.remoteAddress,
    status: () => res.statusCode,
    finished: () => res.writableFinished,
    onClose: (callback) => void res.once('close', callback),
  });
}

export function watchExchange(o: WatchOptions, x: WatchedExchange): RequestWatch {
  if (o.fullRecord === false) return watchDuration(o, x);
  const startMonoMs = o.clock.monoMs();
  const startWallMs = o.wallAt === undefined ? o.clock.wallMs() : o.wallAt(startMonoMs);
  let outcome: Outcome | undefined;
  x.onClose(() => {
    const headers = x.headers;
    const agents = o.agentFields !== false;
    o.observer.completed({
      startWallMs,
      durationMs: o.clock.monoMs() - startMonoMs,
      clientAddress: x.clientAddress,
      method: x.method,
      target: x.target,
      protocol: x.protocol,
      status: x.status(),
      outcome: outcome ?? { kind: 'error', hit: false, detail: 'edge-error', bytes: 0 },
      requestId: requestIdOf(headers['x-request-id'], o.makeRequestId),
      completed: x.finished(),
      referer: agents ? requestHeader(headers, 'referer') : undefined,
      userAgent: agents ? requestHeader(headers, 'user-agent') : undefined,
    });
  });
  return {
    answered(r) {
      outcome = r.outcome;
    },
  };
}

/**
 * The cheap watch: reports a body written whole (a Buffer, or none) when the pipeline answers,
 * which is when the adapter hands it to the socket, and waits for 'close' only for a streamed
 * body. A request the pipeline never answers (the adapter's own 502) is not reported.
 */
function watchDuration(o: WatchOptions, x: WatchedExchange): RequestWatch {
  const startMonoMs = o.clock.monoMs();
  const report = (r: EdgeResponse, completed: boolean): void =>
    o.observer.completed({
      startWallMs: 0,
      durationMs: o.clock.monoMs() - startMonoMs,
      clientAddress: undefined,
      method: x.method,
      target: '',
      protocol: x.protocol,
      status: r.status,
      outcome: r.outcome,
      requestId: '',
      completed,
      referer: undefined,
      userAgent: undefined,
    });
  return {
    answered(r) {
      if (r.body === undefined || Buffer.isBuffer(r.body)) report(r, true);
      else x.onClose(() => report(r, x.finished()));
    },
  };
}
