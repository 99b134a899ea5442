/**
 * Hop-by-hop fields (RFC 9110 §7.6.1): they describe one connection and are never forwarded
 * or stored, nor are the fields a Connection header names.
 */

import type { RequestHeaders } from '../../common/http.js';

const ALWAYS_HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authentication-info',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** The fixed set, shared: most messages carry no Connection field, and this runs on every one. */
const ALWAYS = new Set(ALWAYS_HOP_BY_HOP);

/** The names to drop from a message whose Connection field has the given value. */
export function hopByHopNames(connection: string | undefined): ReadonlySet<string> {
  if (connection === undefined) return ALWAYS;
  const names = new Set(ALWAYS_HOP_BY_HOP);
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '') names.add(name);
  }
  return names;
}

/**
 * The request without its hop-by-hop fields (RFC 9110 §7.6.1), made before anything else reads
 * it, so what selects a stored variant (Vary) or a cache directive is what the origin is sent.
 * The same object when there is nothing to remove, which is the common case.
 */
export function withoutHopByHop(headers: RequestHeaders): RequestHeaders {
  const connection = headers['connection'];
  if (connection === undefined && !hasAnyHopByHop(headers)) return headers;
  const drop = hopByHopNames(connection === undefined ? undefined : typeof connection === 'string' ? connection : connection.join(', '));
  const kept: Record<string, string | string[] | undefined> = {};
  for (const name in headers) if (!drop.has(name)) kept[name] = headers[name];
  return kept;
}

/**
 * One pass over the fields present (a request has few) rather than a look-up per hop-by-hop name:
 * looking up an absent property walks the prototype chain, ten times per request.
 */
function hasAnyHopByHop(headers: RequestHeaders): boolean {
  for (const name in headers) if (ALWAYS.has(name)) return true;
  return false;
}
