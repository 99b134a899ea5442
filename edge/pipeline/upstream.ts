/**
 * Where a GET goes: a key this edge does not own goes to its owner (then the next successor
 * when the owner is suspect), a key this edge newly owns first to its previous owner (warm
 * handoff), and everything else, or when no peer answers, to the origin, failing over to the
 * alternate origin when one is configured. A request from a peer never goes to another peer:
 * one peer hop at most.
 */
import { headerValue, type HeaderList } from '../../common/http.js';
import { TransportError, type OutboundResponse } from '../../common/ports.js';
import type { PurgeLedger } from '../control/purge-ledger.js';
import { HANDOFF_HEADER, HANDOFF_NEXT_HEADER, MAX_HANDOFF_ASKS, PEER_HEADER, PURGE_SEQ_HEADER, type Cluster } from '../routing/cluster.js';
import type { RingMember } from '../routing/ring.js';
import type { EdgeOptions } from './edge-options.js';
import type { EdgeMetrics } from './metrics.js';
import type { EdgeRequest } from './types.js';

export type UpstreamSource = { kind: 'origin' } | { kind: 'peer'; id: string } | { kind: 'handoff'; id: string };

export class Upstream {
  constructor(
    private readonly o: EdgeOptions,
    private readonly cluster: Cluster | undefined,
    private readonly metrics: EdgeMetrics,
    private readonly purges: PurgeLedger,
  ) {}

  /** Rejects only with the origin's TransportError; peer failures fall through to the next hop. */
  async get(key: string, req: EdgeRequest, headers: HeaderList): Promise<{ response: OutboundResponse; source: UpstreamSource }> {
    const cluster = this.cluster;
    if (cluster !== undefined) {
      if (!cluster.owns(key)) {
        // A request from a peer is never forwarded to another owner: one peer hop at most.
        if (req.headers[PEER_HEADER] === undefined) {
          for (const peer of cluster.peersBefore(key)) {
            const response = await this.peer(peer, 'GET', req.target, headers, false, key);
            if (response !== undefined) return { response, source: { kind: 'peer', id: peer.id } };
          }
        }
      } else {
        // The owner hands off whether the client asked it or a peer forwarded the request: most
        // requests for a moved key arrive through another edge. A handoff request is answered
        // from cache only, so it never goes further.
        const handedOff = await this.handoff(key, req, headers, cluster);
        if (handedOff !== undefined) return handedOff;
      }
    }
    const response = await this.origin(this.o.originUrl, req.target, headers, this.o.alternateOriginUrl !== undefined);
    return { response, source: { kind: 'origin' } };
  }

  /**
   * Warm handoff: asks the previous owners (newest ring first), and an edge a previous owner
   * names as its own previous owner (it is mid-change itself), at most MAX_HANDOFF_ASKS in all.
   */
  private async handoff(key: string, req: EdgeRequest, headers: HeaderList, cluster: Cluster): Promise<{ response: OutboundResponse; source: UpstreamSource } | undefined> {
    const queue = cluster.handoffPeers(key);
    const asked = new Set<string>();
    let asks = 0;
    let retried = false;
    while (queue.length > 0 && asks < MAX_HANDOFF_ASKS) {
      const previousOwner = queue.shift()!;
      if (asked.has(previousOwner.id)) continue;
      asked.add(previousOwner.id);
      asks++;
      const response = await this.peer(previousOwner, 'GET', req.target, headers, true, key);
      if (response === undefined) {
        // A timeout or a dropped connection under load says little about the copy it holds: one
        // more try on a new connection beats an origin fetch. A dead peer is suspect by now, so
        // later keys skip it; only this one pays twice.
        if (!retried) {
          retried = true;
          asked.delete(previousOwner.id);
          queue.unshift(previousOwner);
        }
        continue;
      }
      if (response.status !== 504) return { response, source: { kind: 'handoff', id: previousOwner.id } };
      const next = headerValue(response.headers, HANDOFF_NEXT_HEADER);
      response.discard();
      const named = next === undefined || next === cluster.selfId ? undefined : cluster.knownMember(next);
      if (named !== undefined && !asked.has(named.id) && !cluster.health.isSuspect(named.id)) queue.unshift(named);
    }
    return undefined;
  }

  /** A GET to the origin; with failover allowed, a refused, timed-out or 5xx answer goes to the alternate. */
  private async origin(originUrl: string, target: string, headers: HeaderList, failover: boolean): Promise<OutboundResponse> {
    this.metrics.originRequests++;
    const alternate = this.o.alternateOriginUrl;
    let response: OutboundResponse;
    try {
      response = await this.o.transport.request({ origin: originUrl, method: 'GET', target, headers, timeouts: this.o.originTimeouts });
    } catch (err) {
      if (!failover || alternate === undefined) throw err;
      this.metrics.originError(asTransportError(err).code);
      this.metrics.originFailovers++;
      return this.origin(alternate, target, headers, false);
    }
    if (failover && alternate !== undefined && response.status >= 500) {
      response.discard();
      this.metrics.originError('status-5xx');
      this.metrics.originFailovers++;
      return this.origin(alternate, target, headers, false);
    }
    return response;
  }

  /** One request to a peer; a timeout or connection error makes it suspect and yields undefined. */
  async peer(peer: RingMember, method: string, target: string, headers: HeaderList, handoff: boolean, key?: string): Promise<OutboundResponse | undefined> {
    const cluster = this.cluster!;
    this.metrics.peerRequests++;
    const marked: HeaderList = [...headers, [PEER_HEADER, cluster.selfId], [PURGE_SEQ_HEADER, String(this.purges.appliedSeq)]];
    if (handoff) marked.push([HANDOFF_HEADER, '1']);
    try {
      const response = await this.o.transport.request({ origin: peer.url, method, target, headers: marked, timeouts: this.o.cluster!.peerTimeouts });
      cluster.health.succeeded(peer.id);
      // A peer that has applied fewer purges than we have may hand back what we already purged:
      // refused, unless none of the purges it lacks could touch this answer (a purge of another
      // URL landing here while the request was out must not send a warm key to the origin). Its
      // 503 purge-lag (it saw we are ahead) is a refusal whatever was purged.
      const peerSeq = Number(headerValue(response.headers, PURGE_SEQ_HEADER) ?? Infinity);
      const mayHoldPurged = key === undefined || response.status >= 500 || this.purges.purgedSince(peerSeq, key, surrogateKeysOf(response.headers));
      if (peerSeq < this.purges.appliedSeq && mayHoldPurged) {
        response.discard();
        this.metrics.peerFillsRefused++;
        return undefined;
      }
      return response;
    } catch (err) {
      this.metrics.peerErrors++;
      cluster.health.failed(peer.id);
      this.o.logger.log('warn', 'peer request failed', { peer: peer.id, error: String(err) });
      return undefined;
    }
  }
}

/** The Surrogate-Key values of an answer, as the stored copy will carry them (build-stored.ts). */
function surrogateKeysOf(headers: HeaderList): string[] {
  return (headerValue(headers, 'surrogate-key') ?? '').split(/\s+/).filter((k) => k !== '');
}

export function asTransportError(err: unknown): TransportError {
  return err instanceof TransportError ? err : new TransportError('other', String(err));
}
