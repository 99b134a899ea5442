/**
 * Turns a resolved representation into the answer to a GET or HEAD: 304 for a satisfied
 * conditional, 206/416 for a range, the status a test asked for, or a plain 200.
 */
import { headerValue, type HeaderList, type RequestHeaders } from '../common/http.js';
import { objectBody } from './body.js';
import { evaluateConditional } from '../common/http-semantics/conditional.js';
import { parseHttpDate } from '../common/http-semantics/http-date.js';
import { rangeDecision } from '../common/http-semantics/range.js';
import type { Representation } from './representation.js';
import type { OriginResponse } from './types.js';

const EMPTY = new Uint8Array(0);

export function answerObject(rep: Representation, path: string, method: 'GET' | 'HEAD', request: RequestHeaders): OriginResponse {
  const answer = (status: number, headers: HeaderList, body: Uint8Array): OriginResponse => ({
    status,
    headers,
    body: method === 'HEAD' ? EMPTY : body,
    delayMs: rep.latencyMs,
    ...(rep.earlyHintsLink === undefined ? {} : { interim: [{ status: 103, headers: [['link', rep.earlyHintsLink]] }] }),
  });
  const withLength = (headers: HeaderList, lengthBytes: number): HeaderList => [...headers, ['content-length', String(lengthBytes)]];

  if (rep.status !== 200) {
    // A status asked for by a test: preconditions and ranges apply only to a 200 (RFC 9110 §13.2.1, §14.2).
    // 204 and 304 have no content, so no Content-Type or Content-Length (RFC 9110 §8.6, §15.4.5).
    if (rep.status === 204 || rep.status === 304) return answer(rep.status, withoutContentType(rep.headers), EMPTY);
    return answer(rep.status, withLength(rep.headers, rep.sizeBytes), objectBody(path, rep.version, rep.sizeBytes));
  }

  const validators = { etag: rep.etag, lastModifiedMs: parseHttpDate(rep.lastModified) };
  // If-None-Match, else If-Modified-Since (RFC 9110 §13.2.2); this origin ignores If-Match.
  const notModified = evaluateConditional(withoutWritePreconditions(request), validators) === 'not-modified';
  // RFC 9110 §15.4.5: a 304 carries the fields a 200 would (validators, caching fields, Vary,
  // Date), so a cache can refresh its stored headers; it has no content, so no Content-Type.
  if (notModified) return answer(304, withoutContentType(rep.headers), EMPTY);

  // HEAD describes the full 200: Range is defined for GET only (RFC 9110 §14.2).
  if (method === 'HEAD') return answer(200, withLength(rep.headers, rep.sizeBytes), EMPTY);

  const decision = rangeDecision(request, rep.sizeBytes, 200, validators);
  switch (decision.kind) {
    case 'full':
      return answer(200, withLength(rep.headers, rep.sizeBytes), objectBody(path, rep.version, rep.sizeBytes));
    case 'partial': {
      const body = objectBody(path, rep.version, rep.sizeBytes).subarray(decision.start, decision.end + 1);
      const contentRange = `bytes ${decision.start}-${decision.end}/${rep.sizeBytes}`;
      return answer(206, withLength([...rep.headers, ['content-range', contentRange]], body.length), body);
    }
    case 'unsatisfiable': {
      // RFC 9110 §15.5.17: 416 names the current length. Caching fields are left off: the 416
      // describes the request, not the object.
      const date = headerValue(rep.headers, 'date');
      const headers: HeaderList = date === undefined ? [] : [['date', date]];
      return answer(416, withLength([...headers, ['content-range', `bytes */${rep.sizeBytes}`]], 0), EMPTY);
    }
  }
}

function withoutWritePreconditions(request: RequestHeaders): RequestHeaders {
  const { 'if-match': _ifMatch, 'if-unmodified-since': _ius, ...rest } = request;
  return rest;
}

function withoutContentType(headers: HeaderList): HeaderList {
  return headers.filter(([name]) => name !== 'content-type');
}
