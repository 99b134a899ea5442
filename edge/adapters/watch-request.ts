/**
 * Times one node:http request and, when its response is over (finished or aborted), emits the
 * `CompletedRequest` record to the observer. Only attached when something observes, so an edge
 * without observers pays nothing for it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../common/ports.js';
import { requestIdOf } from '../access-log/request-id.js';
import type { RequestObserver } from '../pipeline/request-events.js';
import type { EdgeResponse, Outcome } from '../pipeline/types.js';

export interface WatchOptions {
  observer: RequestObserver;
  clock: Clock;
  makeRequestId: () => string;
}

export interface RequestWatch {
  /** The pipeline's answer; a request that never gets one (a 502 from the adapter) is logged as an error. */
  answered(r: EdgeResponse): void;
}

export function watchRequest(o: WatchOptions, req: IncomingMessage, res: ServerResponse): RequestWatch {
  const startMonoMs = o.clock.monoMs();
  const startWallMs = o.clock.wallMs();
  let outcome: Outcome | undefined;
  res.once('close', () => {
    const headers = req.headers;
    o.observer.completed({
      startWallMs,
      durationMs: o.clock.monoMs() - startMonoMs,
      clientAddress: req.socket.remoteAddress,
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
