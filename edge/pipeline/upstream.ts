/**
 * Where a GET goes: a key this edge does not own goes to its owner (then the next successor
 * when the owner is suspect), a key this edge newly owns first to its previous owner (warm
 * handoff), and everything else, or when no peer answers, to the origin, failing over to the
 * alternate origin when one is configured. A request from a peer never goes to another peer:
 * one peer hop at most.
 */
import { headerValue, type HeaderList } from '../../common/http.js';
import { TransportError, type InformationalResponse, type OutboundResponse } from '../../common/ports.js';
import { relayInformational } from '../policy/informational.js';
import type { PurgeLedger } from '../control/purge-ledger.js';
import type { Cluster } from '../routing/cluster.js';
import { signPeerRequest } from '../routing/peer-auth.js';
import { HANDOFF_HEADER, PEER_HEADER, PURGE_SEQ_HEADER } from '../routing/peer-fields.js';
import type { RingMember } from '../routing/ring.js';
import type { EdgeOptions } from './edge-options.js';
import type { EdgeMetrics } from './metrics.js';
import { OriginQueueFull, type OriginGate } from './origin-gate.js';
import type { EdgeRequest } from './types.js';

export type UpstreamSource = { kind: 'origin' } | { kind: 'peer'; id: string } | { kind: 'handoff'; id: string };

export class Upstream {
  constructor(
    private readonly o: EdgeOptions,
    private readonly cluster: Cluster | undefined,
    private readonly metrics: EdgeMetrics,
    private readonly purges: PurgeLedger,
    private readonly gate: OriginGate | undefined,
  ) {}

  /** Rejects only with the origin's TransportError; peer failures fall through to the next hop. */
  async get(key: string, req: EdgeRequest, headers: HeaderList): Promise<{ response: OutboundResponse; source: UpstreamSource }> {
    const cluster = this.cluster;
    // 103 Early Hints and 102 reach this request's client from whichever upstream answers.
    const onInformational = relayInformational(req.sendInformational);
    if (cluster !== undefined && req.headers[PEER_HEADER] === undefined) {
      if (!cluster.owns(key)) {
        for (const peer of cluster.peersBefore(key)) {
          const response = await this.peer(peer, 'GET', req.target, headers, false, onInformational);
          if (response !== undefined) return { response, source: { kind: 'peer', id: peer.id } };
        }
      } else {
        const previousOwner = cluster.handoffPeer(key);
        if (previousOwner !== undefined) {
          const response = await this.peer(previousOwner, 'GET', req.target, headers, true, onInformational);
          if (response !== undefined && response.status !== 504) return { response, source: { kind: 'handoff', id: previousOwner.id } };
          response?.discard();
        }
      }
    }
    const response = await this.origin(this.o.originUrl, req.target, headers, this.o.alternateOriginUrl !== undefined, onInformational);
    return { response, source: { kind: 'origin' } };
  }

  /** A GET to the origin; with failover allowed, a refused, timed-out or 5xx answer goes to the alternate. */
  private async origin(
    originUrl: string,
    target: string,
    headers: HeaderList,
    failover: boolean,
    onInformational: ((info: InformationalResponse) => void) | undefined,
  ): Promise<OutboundResponse> {
    this.metrics.originRequests++;
    const alternate = this.o.alternateOriginUrl;
    let response: OutboundResponse;
    const startedMonoMs = this.o.clock.monoMs();
    try {
      const send = () =>
        this.o.transport.request({ origin: originUrl, method: 'GET', target, headers, timeouts: this.o.originTimeouts, ...(onInformational === undefined ? {} : { onInformational }) });
      response = await (this.gate === undefined ? send() : this.gate.run(send));
      // Includes any wait for a connection slot: the time this fetch took, as a client saw it.
      this.metrics.originFetchSeconds.observe((this.o.clock.monoMs() - startedMonoMs) / 1000);
    } catch (err) {
      // A full wait queue is this edge's own limit, not the origin failing: no failover.
      if (!failover || alternate === undefined || err instanceof OriginQueueFull) throw err;
      this.metrics.originError(asTransportError(err).code);
      this.metrics.originFailovers++;
      return this.origin(alternate, target, headers, false, onInformational);
    }
    if (failover && alternate !== undefined && response.status >= 500) {
      response.discard();
      this.metrics.originError('status-5xx');
      this.metrics.originFailovers++;
      return this.origin(alternate, target, headers, false, onInformational);
    }
    return response;
  }

  /** One request to a peer; a timeout or connection error makes it suspect and yields undefined. */
  async peer(
    peer: RingMember,
    method: string,
    target: string,
    headers: HeaderList,
    handoff: boolean,
    onInformational?: (info: InformationalResponse) => void,
  ): Promise<OutboundResponse | undefined> {
    const cluster = this.cluster!;
    this.metrics.peerRequests++;
    const marked: HeaderList = [...headers, [PEER_HEADER, cluster.selfId], [PURGE_SEQ_HEADER, String(this.purges.appliedSeq)]];
    if (handoff) marked.push([HANDOFF_HEADER, '1']);
    const auth = this.o.cluster!.peerAuth;
    if (auth.mode !== 'off' && auth.secret !== undefined) {
      const host = this.o.keyHost === 'request' ? headerValue(marked, 'host') : undefined;
      marked.push(...signPeerRequest(auth.secret, method, target, host, marked, this.o.clock.wallMs()));
    }
    const startedMonoMs = this.o.clock.monoMs();
    try {
      const response = await this.o.transport.request({
        origin: peer.url,
        method,
        target,
        headers: marked,
        timeouts: this.o.cluster!.peerTimeouts,
        ...(onInformational === undefined ? {} : { onInformational }),
      });
      this.metrics.peerFetchSeconds.observe(peer.id, (this.o.clock.monoMs() - startedMonoMs) / 1000);
      cluster.health.succeeded(peer.id);
      // A peer that has applied fewer purges than we have may hand back what we already purged.
      const peerSeq = Number(headerValue(response.headers, PURGE_SEQ_HEADER) ?? Infinity);
      if (peerSeq < this.purges.appliedSeq) {
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

export function asTransportError(err: unknown): TransportError {
  return err instanceof TransportError ? err : new TransportError('other', String(err));
}
