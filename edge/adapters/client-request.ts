/**
 * The one mapping from node:http's IncomingMessage to the pipeline's request record. Every check
 * on method, target and Host lives in the pipeline, so each carrier hands it the same record
 * (HTTP/2 streams: h2/serve-stream.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyForPipeline, canonicalHeaderCopy, edgeRequestOf as pipelineRequestOf } from '../pipeline/incoming-request.js';
import type { EdgeRequest } from '../pipeline/types.js';
import { informationalWriter } from './write-informational.js';

export type ClientRequest = IncomingMessage;
export type ClientResponse = ServerResponse;

export function edgeRequestOf(req: ClientRequest, res: ClientResponse): EdgeRequest {
  const headers = req.headers;
  const framed = headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined;
  const method = req.method ?? 'GET';
  // node:http has combined repeated fields already, as headerObject does for the other carriers;
  // the copy puts them in canonical order, without Object.prototype (headerObjectOfCombined).
  return pipelineRequestOf(method, req.url ?? '/', canonicalHeaderCopy(headers), bodyForPipeline(method, framed) ? req : undefined, req.socket.remoteAddress, informationalWriter(req, res));
}
