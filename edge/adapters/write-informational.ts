/**
 * Writes a forwarded 1xx response to a node:http or node:http2 client: 103 through
 * writeEarlyHints (both), 102 through writeProcessing (node:http only). Nothing is written once
 * the final response has started or to an HTTP/1.0 client (RFC 9110 §15.2: a server must not send 1xx to an HTTP/1.0 client).
 */
import type { InformationalResponse } from '../../common/ports.js';
import type { ClientRequest, ClientResponse } from './client-request.js';

export function informationalWriter(req: ClientRequest, res: ClientResponse): ((info: InformationalResponse) => void) | undefined {
  if (req.httpVersionMajor < 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor === 0)) return undefined;
  return (info) => {
    if (res.headersSent || res.destroyed) return;
    if (info.status === 102) {
      // node:http2 has no writeProcessing; 102 is advisory (RFC 9110 §15.2), so HTTP/2 clients go without.
      if ('writeProcessing' in res) res.writeProcessing();
      return;
    }
    if (info.status !== 103) return;
    const hints: Record<string, string | string[]> = {};
    for (const [name, value] of info.headers) {
      const existing = hints[name];
      hints[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    try {
      // node sends nothing for hints without a Link field (they would hint at nothing).
      res.writeEarlyHints(hints);
    } catch {
      // A Link value node refuses: the hint is advisory, the final response still goes out.
    }
  };
}
