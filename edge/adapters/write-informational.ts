/**
 * Writes a forwarded 1xx response to a node:http client: 103 through writeEarlyHints, 102
 * through writeProcessing. Nothing is written once the final response has started or to an
 * HTTP/1.0 client (RFC 9110 §15.2: a server must not send 1xx to an HTTP/1.0 client).
 */
import type { HeaderList } from '../../common/http.js';
import type { InformationalResponse } from '../../common/ports.js';
import type { ClientRequest, ClientResponse } from './client-request.js';

export function informationalWriter(req: ClientRequest, res: ClientResponse): ((info: InformationalResponse) => void) | undefined {
  if (req.httpVersionMajor < 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor === 0)) return undefined;
  return (info) => {
    if (res.headersSent || res.destroyed) return;
    if (info.status === 102) {
      res.writeProcessing();
      return;
    }
    if (info.status !== 103) return;
    try {
      // node sends nothing for hints without a Link field (they would hint at nothing).
      res.writeEarlyHints(hintFields(info.headers));
    } catch {
      // A Link value node refuses: the hint is advisory, the final response still goes out.
    }
  };
}

/** A 1xx's fields as the object node's writeEarlyHints and http2's additionalHeaders take; repeated names stay separate values. */
export function hintFields(list: HeaderList): Record<string, string | string[]> {
  const hints: Record<string, string | string[]> = {};
  for (const [name, value] of list) {
    const existing = hints[name];
    hints[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return hints;
}
