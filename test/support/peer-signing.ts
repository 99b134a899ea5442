/** Signed peer-request headers for tests that speak the peer protocol to a real edge. */
import type { HeaderList } from '../../common/http.js';
import { signPeerRequest } from '../../edge/routing/peer-auth.js';
import { PEER_HEADER } from '../../edge/routing/peer-fields.js';

/** The fields a ring member `from` would send with `method target` at `nowWallMs`, signed with `secret`. */
export function signedPeerHeaders(
  secret: string,
  method: string,
  target: string,
  nowWallMs: number,
  options: { from?: string; extra?: Record<string, string>; host?: string } = {},
): Record<string, string> {
  const fields: HeaderList = [[PEER_HEADER, options.from ?? 'e9'], ...Object.entries(options.extra ?? {})];
  const signed = signPeerRequest(secret, method, target, options.host, fields, nowWallMs);
  return Object.fromEntries([...fields, ...signed]);
}
