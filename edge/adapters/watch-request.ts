/**
 * Times one node:http request and, when its response is over (finished or aborted), emits the
 * `CompletedRequest` record to the observer. Only attached when something observes, so an edge
 * without observers pays nothing for it.
 */
import type { Clock } from '../../common/ports.js';
import { requestIdOf } from '../access-log/request-id.js';
import type { ClientRequest, ClientResponse } from './client-request.js';
import type { RequestObserver } from '../pipeline/request-events.js';
import type { EdgeResponse, Outcome } from '../pipeline/types.js';

export interface WatchOptions {
  observer: RequestObserver;
  clock: Clock;
  makeRequestId: () => string;
  /**
   * False when no observer reads more than the outcome, protocol, status and duration (no access
   * log): a response written whole is then reported as it is handed to the socket, with no
   * 'close' listener, no request id and no log fields. Measured with node:http, the full record
   * on every hit cost about a tenth of the 1 KiB hit rate. Default true.
   */
  fullRecord?: boolean;
}

export interface RequestWatch {
  /** The pipeline's answer; a request that never gets one (a 502 from the adapter) is logged as an error. */
  answered(r: EdgeResponse): void;
}

export function watchRequest(o: WatchOptions, req: ClientRequest, res: ClientResponse): RequestWatch {
  if (o.fullRecord === false) return watchDuration(o, req, res);
  const startMonoMs = o.clock.monoMs();
  const startWallMs = o.clock.wallMs();
  // Read now: by the time the response closes, node:http may have detached the socket (req.socket
  // is null then, e.g. after an answer to a PUT whose body was not read).
  const clientAddress = req.socket?.remoteAddress;
  let outcome: Outcome | undefined;
  res.once('close', () => {
    const headers = req.headers;
    o.observer.completed({
      startWallMs,
      durationMs: o.clock.monoMs() - startMonoMs,
      clientAddress,
      method: req.method ?? 'GET',
      target: req.url ?? '/',
      protocol: `HTTP/${req.httpVersion}`,
      status: res.statusCode,
      outcome: outcome ?? { kind: 'error', hit: false, detail: 'edge-error', bytes: 0 },
      requestId: requestIdOf(headers['x-request-id'], o.makeRequestId),
      completed: res.writableFinished,
      referer: headers['referer'],
      userAgent: headers['user-agent'],
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
function watchDuration(o: WatchOptions, req: ClientRequest, res: ClientResponse): RequestWatch {
  const startMonoMs = o.clock.monoMs();
  const report = (r: EdgeResponse, completed: boolean): void =>
    o.observer.completed({
      startWallMs: 0,
      durationMs: o.clock.monoMs() - startMonoMs,
      clientAddress: undefined,
      method: req.method ?? 'GET',
      target: '',
      protocol: req.httpVersion === '1.1' ? 'HTTP/1.1' : `HTTP/${req.httpVersion}`,
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
      else res.once('close', () => report(r, res.writableFinished));
    },
  };
}
