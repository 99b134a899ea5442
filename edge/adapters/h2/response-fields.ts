/**
 * Response fields as HTTP/2 carries them. RFC 9113 §8.2.2: connection-specific fields
 * (Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade, and whatever Connection
 * names) must not be sent, and node's http2 throws on them; repeated names (Set-Cookie) stay
 * separate values.
 */
import { hopByHopNames } from '../../policy/hop-by-hop.js';

/** `[name, value, ...]` (the pipeline's form) to the object node:http2's writeHead takes. */
export function h2ResponseFields(flat: readonly string[]): Record<string, string | string[]> {
  let connection: string | undefined;
  for (let i = 0; i < flat.length; i += 2) if (flat[i]!.toLowerCase() === 'connection') connection = flat[i + 1];
  const drop = hopByHopNames(connection);
  const fields: Record<string, string | string[]> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase();
    if (drop.has(name)) continue;
    const value = flat[i + 1]!;
    const existing = fields[name];
    fields[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return fields;
}
