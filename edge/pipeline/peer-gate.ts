/**
 * Where the peer protocol meets client traffic: a request carrying internal fields is honoured as
 * a peer request only when peer-auth says so; from anyone else those fields are removed before the
 * edge looks at the request, and the refusal is counted.
 */
import type { Clock } from '../../common/ports.js';
import { requestHeader } from '../../common/http.js';
import { verifyPeerRequest, type PeerAuthSettings, type PeerVerdict } from '../routing/peer-auth.js';
import { INTERNAL_FIELD_PREFIX, INTERNAL_REQUEST_FIELDS, PEER_HEADER } from '../routing/peer-fields.js';
import type { EdgeMetrics } from './metrics.js';
import type { EdgeRequest } from './types.js';

export interface Admitted {
  req: EdgeRequest;
  fromPeer: boolean;
}

/** True when any internal field is present: a few property reads, so the hit path stays cheap. */
export function carriesInternalFields(headers: EdgeRequest['headers']): boolean {
  for (let i = 0; i < INTERNAL_REQUEST_FIELDS.length; i++) if (headers[INTERNAL_REQUEST_FIELDS[i]!] !== undefined) return true;
  return false;
}

export class PeerGate {
  private readonly secrets: readonly string[];

  /** `settings` undefined: this edge has no ring, so no request is a peer's. */
  constructor(
    private readonly settings: PeerAuthSettings | undefined,
    private readonly keyHost: 'origin' | 'request',
    private readonly clock: Clock,
    private readonly metrics: EdgeMetrics,
  ) {
    this.secrets = [settings?.secret, settings?.acceptSecret].filter((s): s is string => s !== undefined);
  }

  /** Call only when carriesInternalFields(req.headers). */
  admit(req: EdgeRequest): Admitted {
    const mode = this.settings?.mode ?? 'require';
    if (this.settings !== undefined && mode === 'off') return { req, fromPeer: req.headers[PEER_HEADER] !== undefined };
    const verdict = this.verify(req);
    if (verdict.kind === 'authenticated' && req.headers[PEER_HEADER] !== undefined) return { req, fromPeer: true };
    if (verdict.kind === 'unsigned' && mode === 'accept' && this.settings !== undefined) {
      this.metrics.peerAuthUnsigned++;
      return { req, fromPeer: true };
    }
    this.metrics.peerAuthFailures[verdict.kind === 'rejected' ? verdict.reason : 'missing']++;
    return { req: { ...req, headers: withoutInternalFields(req.headers) }, fromPeer: false };
  }

  private verify(req: EdgeRequest): PeerVerdict {
    const host = this.keyHost === 'request' ? requestHeader(req.headers, 'host') : undefined;
    return verifyPeerRequest(this.secrets, this.settings?.windowMs ?? 0, req.method, req.target, host, req.headers, this.clock.wallMs());
  }
}

function withoutInternalFields(headers: EdgeRequest['headers']): EdgeRequest['headers'] {
  const copy: Record<string, string | string[] | undefined> = {};
  for (const name in headers) if (!name.startsWith(INTERNAL_FIELD_PREFIX)) copy[name] = headers[name];
  return copy;
}
