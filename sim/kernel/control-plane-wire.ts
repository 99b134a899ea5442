/**
 * The control plane's side of the simulated wire, through the same routing, JSON answers and
 * SSE framing as its node:http adapter (control-plane/http-exchange.ts). What stays here is the
 * carrier's part: the simulated socket buffers without bound, so a stream is never full, and a
 * connection the network reports gone closes the session.
 */
import type { ApiResponse, ControlPlane } from '../../control-plane/control-plane.js';
import { bodyTooLarge, jsonResponse, openEventStream, routeControlRequest, type BodyLimits, type ResponseRecord } from '../../control-plane/http-exchange.js';
import type { HeaderList } from '../../common/http.js';
import { ServerStream, type WireRequest, type WireResponse } from './network.js';
import { requestHeadersOf } from './wire.js';

export interface ControlPlaneWireOptions {
  limits: BodyLimits;
  /** The `retry:` delay suggested to stream clients. */
  retryMs: number;
  /** Rewrites a `/stream` target before it is opened (the simulator's purge-replay break). */
  streamTarget?: (target: string) => string;
  /** Told about every JSON API answer (the simulator's history of accepted purges). */
  answered?: (req: WireRequest, answer: ApiResponse) => void;
}

/** Serves one wire request as the control plane's HTTP adapter would. */
export function serveControlPlaneWire(cp: ControlPlane, req: WireRequest, o: ControlPlaneWireOptions): WireResponse | Promise<WireResponse> {
  const headers = requestHeadersOf(req.headers);
  // The simulated control plane serves no /metrics: nothing scrapes it.
  const route = routeControlRequest(cp, req.method, req.target, headers, o.limits, false);
  switch (route.kind) {
    case 'refused':
      return wireOf(route.response);
    case 'stream':
      return openStreamWire(cp, { ...req, target: o.streamTarget?.(req.target) ?? req.target }, headers, o.retryMs);
    case 'metrics':
      throw new Error('routeControlRequest routed to /metrics without a metrics registry');
    case 'api': {
      if (req.body !== undefined && req.body.byteLength > route.limitBytes) return wireOf(jsonResponse(bodyTooLarge(route), true));
      return cp.handle({ method: req.method, target: req.target, headers, body: req.body }).then((answer) => {
        o.answered?.(req, answer);
        return wireOf(jsonResponse(answer, false));
      });
    }
    default:
      throw new Error(`unhandled control route ${String((route satisfies never as { kind: string }).kind)}`);
  }
}

function openStreamWire(cp: ControlPlane, req: WireRequest, headers: ReturnType<typeof requestHeadersOf>, retryMs: number): WireResponse {
  const stream = new ServerStream();
  let head: { status: number; headers: HeaderList } | undefined;
  const opened = openEventStream(cp, { method: req.method, target: req.target, headers }, retryMs, {
    head: (status, fields) => {
      head = { status, headers: fields };
    },
    write: (text) => {
      stream.write(Buffer.from(text));
      return true;
    },
    end: () => stream.end(),
  });
  if (opened.kind === 'answer') return wireOf(opened.response);
  // The session wrote its hello while opening, so the head is known by now.
  if (head === undefined) throw new Error('stream opened without writing its head');
  const session = opened.session;
  stream.onClose = () => session.closedByPeer();
  return { status: head.status, headers: head.headers, chunks: [], stream };
}

function wireOf(record: ResponseRecord): WireResponse {
  return { status: record.status, headers: record.headers, chunks: [record.body] };
}
