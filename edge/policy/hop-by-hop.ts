/**
 * Hop-by-hop fields (RFC 9110 §7.6.1): they describe one connection and are never forwarded
 * or stored, nor are the fields a Connection header names.
 */

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
