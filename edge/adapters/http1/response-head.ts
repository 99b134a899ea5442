/**
 * Serializing a response head (RFC 9112 §4, §6): status line, the pipeline's fields, and the
 * framing and connection fields this layer owns. Pure; throws on a field node:http would refuse
 * (invalid name, CR/LF/NUL in a value), which the connection answers with a 502.
 */
import { STATUS_CODES } from 'node:http';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\0\r\n]/;

export type BodyPlan = { kind: 'none' } | { kind: 'length'; bytes: number } | { kind: 'chunked' } | { kind: 'close-delimited' };

export interface ResponseHeadInput {
  status: number;
  /** `[name, value, ...]` from the pipeline. */
  headers: readonly string[];
  /** Request method, minor version and whether the connection stays open after this response. */
  method: string;
  minorVersion: 0 | 1;
  keepAlive: boolean;
  /** Bytes of a Buffer body; undefined for a streamed body; null for no body at all. */
  bodyBytes: number | undefined | null;
  /** The Date field for responses that lack one (RFC 9110 §6.6.1: an origin server MUST send it; node adds it). */
  date: string;
}

export interface ResponseHead {
  bytes: Buffer;
  plan: BodyPlan;
  keepAlive: boolean;
}

/** 1xx, 204 and 304 never have content; HEAD's answer has none either (RFC 9112 §6.3). */
export function bodyForbidden(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

export function serializeResponseHead(o: ResponseHeadInput): ResponseHead {
  let hasDate = false;
  let contentLength: string | undefined;
  let chunkedFromPipeline = false;
  let keepAlive = o.keepAlive;
  let lines = '';
  for (let i = 0; i + 1 < o.headers.length; i += 2) {
    const name = o.headers[i]!;
    const value = o.headers[i + 1]!;
    if (!TOKEN.test(name)) throw new Error(`invalid response header name ${JSON.stringify(name)}`);
    if (BAD_VALUE.test(value)) throw new Error(`invalid value for response header ${name}`);
    const lower = name.toLowerCase();
    if (lower === 'connection') {
      if (value.toLowerCase().split(',').some((t) => t.trim() === 'close')) keepAlive = false;
      continue; // this layer writes Connection itself
    }
    if (lower === 'keep-alive') continue;
    if (lower === 'transfer-encoding') {
      chunkedFromPipeline = true;
      continue; // framing is ours: re-derived below
    }
    if (lower === 'content-length') contentLength = value;
    if (lower === 'date') hasDate = true;
    lines += `${name}: ${value}\r\n`;
  }
  if (!hasDate) lines += `Date: ${o.date}\r\n`;
  let plan: BodyPlan;
  if (bodyForbidden(o.method, o.status)) {
    plan = { kind: 'none' };
  } else if (o.bodyBytes === null) {
    plan = { kind: 'length', bytes: 0 };
    if (contentLength === undefined) lines += 'Content-Length: 0\r\n';
  } else if (o.bodyBytes !== undefined) {
    plan = { kind: 'length', bytes: o.bodyBytes };
    if (contentLength === undefined) lines += `Content-Length: ${o.bodyBytes}\r\n`;
  } else if (contentLength !== undefined && !chunkedFromPipeline && /^\d+$/.test(contentLength)) {
    plan = { kind: 'length', bytes: Number(contentLength) };
  } else if (o.minorVersion === 1) {
    plan = { kind: 'chunked' };
    if (contentLength !== undefined) throw new Error('streamed body with an unusable Content-Length');
    lines += 'Transfer-Encoding: chunked\r\n';
  } else {
    plan = { kind: 'close-delimited' };
    keepAlive = false;
  }
  if (keepAlive) {
    if (o.minorVersion === 0) lines += 'Connection: keep-alive\r\n';
  } else {
    lines += 'Connection: close\r\n';
  }
  const reason = STATUS_CODES[o.status] ?? 'Unknown';
  return { bytes: Buffer.from(`HTTP/1.1 ${o.status} ${reason}\r\n${lines}\r\n`, 'latin1'), plan, keepAlive };
}
