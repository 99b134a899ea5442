/**
 * The one mapping from a node request (node:http's IncomingMessage, or node:http2's compat
 * request, for HTTP/2 and for HTTP/1.1 over TLS) to the pipeline's request record. Every check on
 * method, target and Host lives in the pipeline, so each carrier hands it the same record.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { RequestHeaders } from '../../common/http.js';
import { h2Authority } from '../policy/h2-authority.js';
import type { EdgeRequest } from '../pipeline/types.js';
import { informationalWriter } from './write-informational.js';

export type ClientRequest = IncomingMessage | Http2ServerRequest;
export type ClientResponse = ServerResponse | Http2ServerResponse;

/** The request record, or why the request is malformed before the pipeline sees it. */
export function edgeRequestOf(req: ClientRequest, res: ClientResponse): EdgeRequest | { malformed: string } {
  let headers: RequestHeaders = req.headers;
  if (req.httpVersionMajor === 2) {
    const mapped = h2Headers(req.headers);
    if (typeof mapped === 'string') return { malformed: mapped };
    headers = mapped;
  }
  // HTTP/2 has no Transfer-Encoding: a body is whatever DATA follows HEADERS without END_STREAM.
  const hasBody = req.httpVersionMajor === 2 ? !(req as Http2ServerRequest).stream.endAfterHeaders : headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined;
  // One object shape for every request keeps the call site monomorphic and allocates no spreads.
  return {
    method: req.method ?? 'GET',
    target: req.url ?? '/',
    headers,
    body: hasBody && req.method !== 'GET' && req.method !== 'HEAD' ? req : undefined,
    clientAddress: req.socket.remoteAddress,
    sendInformational: informationalWriter(req, res),
  };
}

/**
 * HTTP/2 fields without the pseudo-fields (RFC 9113 §8.3), `:authority` carried as Host, which is
 * what the pipeline's Host rules read; or why the request is malformed.
 */
function h2Headers(raw: Http2ServerRequest['headers']): RequestHeaders | string {
  const authority = raw[':authority'];
  const chosen = h2Authority(authority, raw['host']);
  if (chosen.kind === 'mismatch') return ':authority and Host name different hosts';
  const headers: Record<string, string | string[] | undefined> = {};
  for (const name in raw) {
    if (name.charCodeAt(0) === 0x3a /* : */ || name === 'host') continue;
    headers[name] = raw[name];
  }
  if (chosen.host !== undefined) headers['host'] = chosen.host;
  return headers;
}
