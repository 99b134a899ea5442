/**
 * The one mapping from a node request (node:http's IncomingMessage, or node:http2's compat
 * request, for HTTP/2 and for HTTP/1.1 over TLS) to the pipeline's request record. Every check on
 * method, target and Host lives in the pipeline, so each carrier hands it the same record.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { RequestHeaders } from '../../common/http.js';
import { h2Authority } from '../policy/h2-authority.js';
import { bodyForPipeline, edgeRequestOf as pipelineRequestOf } from '../pipeline/incoming-request.js';
import type { EdgeRequest } from '../pipeline/types.js';
import { informationalWriter } from './write-informational.js';

export type ClientRequest = IncomingMessage | Http2ServerRequest;
export type ClientResponse = ServerResponse | Http2ServerResponse;

/** Refused before the pipeline sees it: the status and one line saying why. */
export interface Malformed {
  malformed: string;
  status: 400 | 431;
}

/**
 * The request record, or why the request is refused first. `maxH2HeaderListBytes` bounds an
 * HTTP/2 header list as RFC 9113 §6.5.2 counts it (name + value + 32 per field): node advertises
 * SETTINGS_MAX_HEADER_LIST_SIZE but, for a client that sends before reading it, enforces only
 * nghttp2's own 64 KiB.
 */
export function edgeRequestOf(req: ClientRequest, res: ClientResponse, maxH2HeaderListBytes = Number.POSITIVE_INFINITY): EdgeRequest | Malformed {
  let headers: RequestHeaders = req.headers;
  if (req.httpVersionMajor === 2) {
    const mapped = h2Headers(req.headers, maxH2HeaderListBytes);
    if ('refused' in mapped) return mapped.refused;
    headers = mapped.headers;
  }
  // HTTP/2 has no Transfer-Encoding: a body is whatever DATA follows HEADERS without END_STREAM.
  const framed = req.httpVersionMajor === 2 ? !(req as Http2ServerRequest).stream.endAfterHeaders : headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined;
  const method = req.method ?? 'GET';
  // node:http and node:http2 have combined repeated fields already, as headerObject does for the other carriers.
  return pipelineRequestOf(method, req.url ?? '/', headers, bodyForPipeline(method, framed) ? req : undefined, req.socket.remoteAddress, informationalWriter(req, res));
}

/**
 * HTTP/2 fields without the pseudo-fields (RFC 9113 §8.3), `:authority` carried as Host, which is
 * what the pipeline's Host rules read; or why the request is refused.
 */
function h2Headers(raw: Http2ServerRequest['headers'], maxListBytes: number): { headers: RequestHeaders } | { refused: Malformed } {
  const authority = raw[':authority'];
  const chosen = h2Authority(authority, raw['host']);
  if (chosen.kind === 'mismatch') return { refused: { malformed: ':authority and Host name different hosts', status: 400 } };
  const headers: Record<string, string | string[] | undefined> = {};
  let listBytes = 0;
  for (const name in raw) {
    const value = raw[name];
    if (typeof value === 'string') listBytes += name.length + value.length + 32;
    else if (value !== undefined) for (const v of value) listBytes += name.length + v.length + 32;
    if (name.charCodeAt(0) === 0x3a /* : */ || name === 'host') continue;
    headers[name] = value;
  }
  if (listBytes > maxListBytes) return { refused: { malformed: 'request header fields too large', status: 431 } };
  if (chosen.host !== undefined) headers['host'] = chosen.host;
  return { headers };
}
