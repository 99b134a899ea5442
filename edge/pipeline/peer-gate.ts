/**
 * Where the peer protocol meets client traffic: a request carrying internal fields is honoured as
 * a peer request only when peer-auth says so; from anyone else those fields are removed before the
 * edge looks at the request, and the refusal is counted.
 */
import type { Clock } from '../../common/ports.js';
import { requestHeader } from '../../common/http.js';
import { verifyPeerRequest, type PeerAuthSettings, type PeerVerdict } from '../routing/peer-auth.js';
import { CONTENT_DIGEST_HEADER, HANDOFF_HEADER, INTERNAL_FIELD_PREFIX, PEER_HEADER, PEER_SIGNATURE_HEADER, PEER_TIME_HEADER, PURGE_SEQ_HEADER, PUSH_HEADER } from '../routing/peer-fields.js';
import type { EdgeMetrics } from './metrics.js';
import type { EdgeRequest } from './types.js';

export interface Admitted {
  req: EdgeRequest;
  fromPeer: boolean;
  /**
   * It carried the peer marker and could not prove it (its internal fields were removed). Such a
   * request is answered by this edge alone (Upstream.get), never sent to another ring member, as a
   * peer's request never is: from a peer whose secret or clock is wrong it is that peer's own fetch
   * or handoff ask, and sending it on can bring it back to an edge waiting for its answer.
   */
  refusedPeer: boolean;
}

/**
 * True when any internal field is present. Written out, one read per field rather than a loop
 * over INTERNAL_REQUEST_FIELDS: each read site then sees a single name and stays a fast monomorphic
 * lookup (the loop cost a hit ~100 ns in-process). test/edge/pipeline/peer-gate.test.ts checks it
 * covers every name in the list, so a new field cannot be forgotten here.
 */
export function carriesInternalFields(h: EdgeRequest['headers']): boolean {
  return (
    h[PEER_HEADER] !== undefined ||
    h[HANDOFF_HEADER] !== undefined ||
    h[PURGE_SEQ_HEADER] !== undefined ||
    h[PUSH_HEADER] !== undefined ||
    h[CONTENT_DIGEST_HEADER] !== undefined ||
    h[PEER_TIME_HEADER] !== undefined ||
    h[PEER_SIGNATURE_HEADER] !== undefined
  );
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
    if (this.settings !== undefined && mode === 'off') return { req, fromPeer: req.headers[PEER_HEADER] !== undefined, refusedPeer: false };
    const verdict = this.verify(req);
    if (verdict.kind === 'authenticated' && req.headers[PEER_HEADER] !== undefined) return { req, fromPeer: true, refusedPeer: false };
    if (verdict.kind === 'unsigned' && mode === 'accept' && this.settings !== undefined) {
      this.metrics.peerAuthUnsigned++;
      return { req, fromPeer: true, refusedPeer: false };
    }
    this.metrics.peerAuthFailures[verdict.kind === 'rejected' ? verdict.reason : 'missing']++;
    return { req: { ...req, headers: withoutInternalFields(req.headers) }, fromPeer: false, refusedPeer: req.headers[PEER_HEADER] !== undefined };
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
