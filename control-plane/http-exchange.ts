/**
 * The control plane's HTTP exchange without a transport: which route a request takes (refused,
 * `/stream`, `/metrics`, or the JSON API with its body limit), the JSON answer as a response
 * record, and the Server-Sent Events framing of `/stream`. The node:http adapter
 * (adapters/http-server.ts) and the simulator (sim/kernel/control-plane-wire.ts) both call these;
 * reading and writing bytes, timeouts and backpressure stay in each.
 */
import { encodeSse } from '../common/control-protocol.js';
import type { HeaderList, RequestHeaders } from '../common/http.js';
import type { ApiRequest, ApiResponse, ControlPlane } from './control-plane.js';
import { FORWARDED_BATCH_PATH, FORWARDED_ENVELOPE_BYTES } from './etcd/forwarded-batch.js';
import type { StreamSession } from './streams.js';

/** An answer ready to write: status, header fields in order, the whole body. */
export interface ResponseRecord {
  status: number;
  headers: HeaderList;
  body: Buffer;
}

export interface BodyLimits {
  /** Largest POST /purges body. */
  maxBodyBytes: number;
  /** Largest body of every other route (acks, heartbeats). */
  maxReportBodyBytes: number;
}

export type ControlRoute =
  /** Refused before any body is read (bad token, wrong role); answer it and close the connection. */
  | { kind: 'refused'; response: ResponseRecord }
  | { kind: 'stream' }
  | { kind: 'metrics' }
  /** The JSON API: read at most `limitBytes` of body (`limitName` is the setting that says so). */
  | { kind: 'api'; limitBytes: number; limitName: string };

/** The path of a request target, without its query. */
export function pathOf(target: string): string {
  return target.split('?', 1)[0]!;
}

/** Which route `target` takes; the token is checked here, before a byte of body is read. */
export function routeControlRequest(cp: ControlPlane, method: string, target: string, headers: RequestHeaders, limits: BodyLimits, servesMetrics: boolean): ControlRoute {
  const refused = cp.authorize(method, target, headers);
  if (refused !== undefined) return { kind: 'refused', response: jsonResponse(refused, true) };
  const path = pathOf(target);
  if (path === '/stream') return { kind: 'stream' };
  if (path === '/metrics' && servesMetrics) return { kind: 'metrics' };
  if (path === '/purges') return { kind: 'api', limitBytes: limits.maxBodyBytes, limitName: 'limits.maxBodyBytes' };
  // A forwarded batch carries purges whose JSON adds up to at most maxBodyBytes, plus its envelope.
  if (path === FORWARDED_BATCH_PATH) return { kind: 'api', limitBytes: limits.maxBodyBytes + FORWARDED_ENVELOPE_BYTES, limitName: 'limits.maxBodyBytes' };
  return { kind: 'api', limitBytes: limits.maxReportBodyBytes, limitName: 'limits.maxReportBodyBytes' };
}

/** The 413 for a body over its route's limit. */
export function bodyTooLarge(route: { limitBytes: number; limitName: string }): ApiResponse {
  return { status: 413, body: { error: `body: larger than ${route.limitBytes} bytes (${route.limitName})`, field: 'body' } };
}

/** One JSON answer: the handler's fields, then content-type and content-length; `connection: close` when asked. */
export function jsonResponse(answer: ApiResponse, closeConnection: boolean): ResponseRecord {
  const body = Buffer.from(`${JSON.stringify(answer.body)}\n`);
  const headers: HeaderList = [...(answer.headers ?? []), ['content-type', 'application/json'], ['content-length', String(body.length)]];
  if (closeConnection) headers.push(['connection', 'close']);
  return { status: answer.status, headers, body };
}

/** The head of a `/stream` answer. */
export const EVENT_STREAM_HEADERS: HeaderList = [
  ['content-type', 'text/event-stream; charset=utf-8'],
  ['cache-control', 'no-store'],
  // Tells a buffering reverse proxy (nginx) to pass each event on at once.
  ['x-accel-buffering', 'no'],
];

/** Where a `/stream` answer's bytes go: a socket's response, or the simulator's stream. */
export interface EventStreamOut {
  /** Sends the head; called once, before the first write. */
  head(status: number, headers: HeaderList): void;
  /** Sends bytes; false when the carrier's buffer is full (the session then waits for resume()). */
  write(text: string): boolean;
  end(): void;
}

export type EventStreamOpened = { kind: 'stream'; session: StreamSession } | { kind: 'answer'; response: ResponseRecord };

/**
 * `GET /stream`: opens a session whose events go out as SSE frames, after a head and a `retry:`
 * field suggesting the reconnect delay. The head goes out with the first frame (the session
 * writes its hello while opening), so a refused open is still a plain JSON answer.
 */
export function openEventStream(cp: ControlPlane, req: ApiRequest, retryMs: number, out: EventStreamOut): EventStreamOpened {
  let headSent = false;
  const sendHead = (): void => {
    if (headSent) return;
    headSent = true;
    out.head(200, EVENT_STREAM_HEADERS);
    out.write(`retry: ${retryMs}\n\n`);
  };
  const opened = cp.openStream(req, {
    write(event) {
      sendHead();
      return out.write(encodeSse(event));
    },
    end() {
      sendHead();
      out.end();
    },
  });
  if (opened.kind === 'answer') return { kind: 'answer', response: jsonResponse(opened.response, false) };
  return opened;
}
