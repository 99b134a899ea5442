/**
 * Which 1xx responses from upstream an intermediary passes on, and with which fields.
 *
 * RFC 9110 §15.2: a proxy MUST forward 1xx responses unless it requested them itself (100
 * Continue is node's business on both sides) or the client is HTTP/1.0 (the adapter knows that).
 * RFC 8297 §2: 103 Early Hints carries hints for the final response, is not the final response
 * and so is never stored; RFC 9111 §3: only final responses are stored.
 * Hop-by-hop fields (RFC 9110 §7.6.1) are removed as for any forwarded message.
 */
import type { HeaderList } from '../../common/http.js';
import type { InformationalResponse } from '../../common/ports.js';
import { hopByHopNames } from './hop-by-hop.js';

/** 102 Processing (RFC 2518) and 103 Early Hints (RFC 8297): the 1xx codes node can write to a client. */
export const FORWARDED_INFORMATIONAL = new Set([102, 103]);

export function informationalToForward(info: InformationalResponse): InformationalResponse | undefined {
  if (!FORWARDED_INFORMATIONAL.has(info.status)) return undefined;
  const connection = info.headers.filter(([n]) => n === 'connection').map(([, v]) => v).join(', ');
  const skip = hopByHopNames(connection === '' ? undefined : connection);
  const headers: HeaderList = info.headers.filter(([n]) => !skip.has(n));
  return { status: info.status, headers };
}

/** The callback an outbound request gets: forwards what may be forwarded to the client's sender. */
export function relayInformational(send: ((info: InformationalResponse) => void) | undefined): ((info: InformationalResponse) => void) | undefined {
  if (send === undefined) return undefined;
  return (info) => {
    const forwarded = informationalToForward(info);
    if (forwarded !== undefined) send(forwarded);
  };
}
