/**
 * A simulated edge's side of the wire: a request arriving over the simulated network becomes the
 * pipeline's request record through the same functions the edge's server layers use
 * (edge/pipeline/incoming-request.ts); the answer is collected into a wire response.
 */
import type { InformationalResponse } from '../../common/ports.js';
import { bodyForPipeline, edgeRequestOf } from '../../edge/pipeline/incoming-request.js';
import type { EdgeRequest, EdgeResponse } from '../../edge/pipeline/types.js';
import type { WireRequest, WireResponse } from './network.js';
import { headerPairsOf, once, requestHeadersOf, type Collected } from './wire.js';

/**
 * The request record for a wire request. The sending node stands in for the socket's remote
 * address; 1xx answers are collected in `interim`, to travel back with the final answer as they
 * would over a socket.
 */
export function edgeRequestFromWire(wire: WireRequest, interim: InformationalResponse[]): EdgeRequest {
  const body = bodyForPipeline(wire.method, wire.body !== undefined) ? once(wire.body!) : undefined;
  return edgeRequestOf(wire.method, wire.target, requestHeadersOf(wire.headers), body, wire.from, (info) => interim.push(info));
}

/** The wire response for an edge's answer, once its body is collected. */
export function wireResponseOf(r: EdgeResponse, body: Collected, interim: InformationalResponse[]): WireResponse {
  return { status: r.status, headers: headerPairsOf(r.headers), chunks: body.chunks, ...(body.truncated ? { truncated: true } : {}), ...(interim.length === 0 ? {} : { interim }) };
}
