/**
 * The door of the pipeline: every request, whichever server received it (node:http today, other
 * HTTP/1.1, TLS or HTTP/2 front ends later), is turned here into the one request the edge keys,
 * judges and forwards, or refused. Nothing after this point sees what the client sent: only the
 * canonical target, the canonical Host and the fields that will travel upstream.
 */
import type { RequestHeaders } from '../../common/http.js';
import type { KeyHost } from '../policy/cache-key.js';
import { withoutHopByHop } from '../policy/hop-by-hop.js';
import { canonicalHost, canonicalTarget, parseRequestTarget, type TargetRejection } from '../policy/request-target.js';
import { formatCacheStatus } from '../policy/cache-status.js';
import { errorResponse, type Identity } from './responses.js';
import type { EdgeRequest, EdgeResponse, Outcome } from './types.js';

/** A request the edge answers itself: 400 with the reason, or OPTIONS * (RFC 9110 §9.3.7). */
export class Refusal {
  constructor(
    readonly kind: 'bad-request' | 'server-options',
    readonly reason: TargetRejection | 'invalid-host' | 'missing-host' | 'asterisk-form',
  ) {}
}

/**
 * The request to work with: the same object when it is already canonical (the common case, so a
 * hit allocates nothing here), a copy with the canonical target and Host and without hop-by-hop
 * fields otherwise, or a Refusal. Hop-by-hop fields go first (RFC 9110 §7.6.1), so a Host or any
 * other field the client named in Connection is gone before it is read.
 */
export function admitRequest(req: EdgeRequest, keyHost: KeyHost): EdgeRequest | Refusal {
  let target: string;
  let host: string | undefined;
  if (req.target.charCodeAt(0) === 0x2f /* / */) {
    // Origin-form, nearly every request: straight to the string, no parse record allocated.
    const canonical = canonicalTarget(req.target);
    if (typeof canonical !== 'string') return new Refusal('bad-request', canonical.reason);
    target = canonical;
  } else {
    const parsed = parseRequestTarget(req.target);
    switch (parsed.form) {
      case 'invalid':
        return new Refusal('bad-request', parsed.reason);
      case 'asterisk':
        // RFC 9112 §3.2.4: only OPTIONS applies to the server as a whole; it is never forwarded.
        return new Refusal(req.method === 'OPTIONS' ? 'server-options' : 'bad-request', 'asterisk-form');
      case 'absolute':
        // RFC 9112 §3.2.2: the authority of an absolute-form target replaces any Host field.
        host = parsed.authority;
        target = parsed.target;
        break;
      case 'origin':
        target = parsed.target;
        break;
      default:
        throw new Error(`unknown target form ${String(parsed satisfies never)}`);
    }
  }
  const headers = withoutHopByHop(req.headers);
  if (host === undefined && keyHost === 'request') {
    // RFC 9110 §7.2 / RFC 9112 §3.2: the Host keys the object, so it must name one host.
    const received = headers['host'];
    if (received === undefined) return new Refusal('bad-request', 'missing-host');
    host = typeof received === 'string' ? canonicalHost(received) : undefined;
    if (host === undefined) return new Refusal('bad-request', 'invalid-host');
  }
  const sameHost = host === undefined || host === headers['host'];
  if (target === req.target && headers === req.headers && sameHost) return req;
  return { ...req, target, headers: sameHost ? headers : { ...headers, host } };
}

/**
 * The edge's own answer to a refused request: 400 naming the reason, or 200 to OPTIONS *. Both
 * are outcome 'pass', not 'error': the error rate an edge reports to the control plane is its
 * own health, and a client sending bad requests must not make a healthy edge look failing.
 */
export function refusalResponse(id: Identity, refusal: Refusal): EdgeResponse {
  if (refusal.kind === 'bad-request') return errorResponse(id, 400, `bad-request-${refusal.reason}`, 'bypass', 'pass');
  const outcome: Outcome = { kind: 'pass', hit: false, detail: 'asterisk-form', bytes: 0 };
  return {
    status: 200,
    headers: ['allow', 'GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE', 'content-length', '0', 'cache-status', formatCacheStatus(id.cacheName, outcome)],
    body: undefined,
    outcome,
  };
}
