/**
 * An HTTP/2 request's fields as the pipeline reads them: the pseudo-fields dropped (RFC 9113
 * §8.3), `:authority` carried as Host under the same rules as an HTTP/1.1 Host
 * (policy/h2-authority.ts), and the header list bounded as RFC 9113 §6.5.2 counts it (name +
 * value + 32 per field): node advertises SETTINGS_MAX_HEADER_LIST_SIZE but, for a client that
 * sends before reading it, enforces only nghttp2's own 64 KiB.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { RequestHeaders } from '../../../common/http.js';
import { headerObjectOfCombined } from '../../pipeline/incoming-request.js';
import { h2Authority } from '../../policy/h2-authority.js';

/** Refused before the pipeline sees it: the status and one line saying why. */
export interface Malformed {
  malformed: string;
  status: 400 | 431;
}

export function h2RequestFields(raw: IncomingHttpHeaders, maxListBytes: number): { headers: RequestHeaders } | { refused: Malformed } {
  const authority = raw[':authority'];
  const chosen = h2Authority(authority, raw['host']);
  if (chosen.kind === 'mismatch') return { refused: { malformed: ':authority and Host name different hosts', status: 400 } };
  const names: string[] = [];
  const values: Array<string | string[]> = [];
  let listBytes = 0;
  for (const name in raw) {
    const value = raw[name];
    if (typeof value === 'string') listBytes += name.length + value.length + 32;
    else if (value !== undefined) for (const v of value) listBytes += name.length + v.length + 32;
    if (name.charCodeAt(0) === 0x3a /* : */ || name === 'host' || value === undefined) continue;
    names.push(name);
    values.push(value);
  }
  if (listBytes > maxListBytes) return { refused: { malformed: 'request header fields too large', status: 431 } };
  if (chosen.host !== undefined) {
    names.push('host');
    values.push(chosen.host);
  }
  // The same kind of header object the HTTP/1.1 layers hand over: canonical field order, nothing inherited.
  return { headers: headerObjectOfCombined(names, values, names.length) };
}
