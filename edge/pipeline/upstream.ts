/**
 * Where a GET goes: a key this edge does not own goes to its owner (then the next successor
 * when the owner is suspect), a key this edge newly owns first to its previous owner (warm
 * handoff), and everything else, or when no peer answers, to the origin, failing over to the
 * alternate origin when one is configured. A request from a peer never goes to another peer:
 * one peer hop at most.
 */
import { isBroken } from '../../common/break-switches.js';
import { mark } from '../../common/coverage-marks.js';
import { headerValue, type HeaderList } from '../../common/http.js';
import { TransportError, type InformationalResponse, type OutboundResponse } from '../../common/ports.js';
import { relayInformational } from '../policy/informational.js';
import type { PurgeLedger } from '../store/purge-ledger.js';
import { MAX_HANDOFF_ASKS, type Cluster } from '../routing/cluster.js';
import { bodyDigest, signPeerRequest } from '../routing/peer-auth.js';
import { CONTENT_DIGEST_HEADER, HANDOFF_HEADER, HANDOFF_NEXT_HEADER, PEER_HEADER, PURGE_SEQ_HEADER, SURROGATE_KEYS_HEADER } from '../routing/peer-fields.js';
import { parseSurrogateKeys } from '../policy/surrogate-keys.js';
import type { RingMember } from '../routing/ring.js';
import type { EdgeCompression } from './compressed-variants.js';
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
    private readonly compression?: EdgeCompression,
  ) {}

  /**
   * Rejects only with the origin's TransportError; peer failures fall through to the next hop.
   * `alone`: the request carried the peer marker without proof (Admitted.refusedPeer), so no ring
   * member is asked, neither the owner nor a previous owner: the origin answers.
   */
  async get(key: string, req: EdgeRequest, headers: HeaderList, alone = false): Promise<{ response: OutboundResponse; source: UpstreamSource }> {
    const cluster = this.cluster;
    // 103 Early Hints and 102 reach this request's client from whichever upstream answers.
    const onInformational = relayInformational(req.sendInformational);
    if (cluster !== undefined && !alone) {
      if (!cluster.owns(key)) {
        // A request from a peer is never forwarded to another owner: one peer hop at most.
        // --break routing-peer-hop (simulator only) forwards peer requests too.
        if (req.headers[PEER_HEADER] === undefined || isBroken('routing-peer-hop')) {
          const peers = cluster.peersBefore(key);
          for (const peer of peers) {
            const response = await this.peer(peer, 'GET', req.target, headers, false, onInformational, key);
            if (response !== undefined) return { response, source: { kind: 'peer', id: peer.id } };
          }
          // Every peer before the key failed or refused: the origin is the last hop.
          if (peers.length > 0) mark('peer-fallback-to-origin');
        }
      } else {
        // The owner hands off whether the client asked it or a peer forwarded the request: most
        // requests for a moved key arrive through another edge. A handoff request is answered
        // from cache only, so it never goes further.
        const handedOff = await this.handoff(key, req, headers, cluster, onInformational);
        if (handedOff !== undefined) return handedOff;
      }
    }
    const response = await this.origin(this.o.originUrl, req.target, headers, this.o.alternateOriginUrl !== undefined, onInformational);
    return { response, source: { kind: 'origin' } };
  }

  /**
   * Warm handoff: asks the previous owners (newest ring first), and an edge a previous owner
   * names as its own previous owner (it is mid-change itself), at most MAX_HANDOFF_ASKS in all.
   */
  private async handoff(
    key: string,
    req: EdgeRequest,
    headers: HeaderList,
    cluster: Cluster,
    onInformational: ((info: InformationalResponse) => void) | undefined,
  ): Promise<{ response: OutboundResponse; source: UpstreamSource } | undefined> {
    const queue = cluster.handoffPeers(key);
    const asked = new Set<string>();
    let asks = 0;
    let retried = false;
    while (queue.length > 0 && asks < MAX_HANDOFF_ASKS) {
      const previousOwner = queue.shift()!;
      if (asked.has(previousOwner.id)) continue;
      asked.add(previousOwner.id);
      asks++;
      const response = await this.peer(previousOwner, 'GET', req.target, headers, true, onInformational, key);
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
  private async origin(
    originUrl: string,
    target: string,
    headers: HeaderList,
    failover: boolean,
    onInformational: ((info: InformationalResponse) => void) | undefined,
  ): Promise<OutboundResponse> {
    this.metrics.originRequests++;
    // With --compress the origin is asked for identity; a peer is asked for the client's coding.
    if (this.compression !== undefined) headers = this.compression.originHeaders(headers);
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
    key?: string,
  ): Promise<OutboundResponse | undefined> {
    const cluster = this.cluster!;
    this.metrics.peerRequests++;
    const marked = this.peerFields(method, target, handoff ? [...headers, [HANDOFF_HEADER, '1']] : headers);
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
      const asToClient = key !== undefined && headerValue(response.headers, PURGE_SEQ_HEADER) === undefined;
      if (asToClient && response.status < 400) {
        // Every answer to a peer says which purges it has applied (Edge.forPeer): this one was
        // made for a client, so the peer did not take our signature (another secret, a clock
        // outside the window). Nothing it says can be checked against our purges: not used, and
        // the peer is skipped as suspect like one that does not answer. Only content counts: the
        // peer's server refuses a head it cannot take (400, 431) before any edge code runs, and a
        // client who sends such a head must not get the owner skipped for everyone else; such an
        // error goes back to that client as before.
        response.discard();
        this.metrics.peerAnswersAsClient++;
        cluster.health.failed(peer.id);
        this.o.logger.log('warn', 'peer answered as to a client: check that both edges hold the same peer-auth secret and their clocks agree', { peer: peer.id });
        return undefined;
      }
      // Only a peer's own answer clears suspicion: its server's 4xx to a head (one client's doing) says nothing of it.
      if (!asToClient) cluster.health.succeeded(peer.id);
      // A peer that has applied fewer purges than we have may hand back what we already purged:
      // refused, unless none of the purges it lacks could touch this answer (a purge of another
      // URL landing here while the request was out must not send a warm key to the origin). Its
      // 503 purge-lag (it saw we are ahead) is a refusal whatever was purged.
      // Infinity: the answer to a PURGE notice, or the error of a peer server that refused the head.
      const peerSeq = Number(headerValue(response.headers, PURGE_SEQ_HEADER) ?? Infinity);
      const mayHoldPurged = key === undefined || response.status >= 500 || this.purges.purgedSince(peerSeq, key, answerSurrogateKeys(response.headers));
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

  /**
   * A leaving edge's push of one object to its new owner (graceful leave, handover.ts): a peer
   * request like any other, marked and signed here, with a body. Rejects with the transport's error.
   */
  push(peer: RingMember, target: string, headers: HeaderList, body: Buffer): Promise<OutboundResponse> {
    this.metrics.peerRequests++;
    // The body's digest is a signed field: a captured push replayed with another body is refused.
    const withDigest: HeaderList = [...headers, [CONTENT_DIGEST_HEADER, bodyDigest(body)]];
    return this.o.transport.request({ origin: peer.url, method: 'PUT', target, headers: this.peerFields('PUT', target, withDigest), body, timeouts: this.o.cluster!.peerTimeouts });
  }

  /** `headers` plus the peer marker and purge sequence, signed when peer-auth signs (peer-auth.ts). */
  private peerFields(method: string, target: string, headers: HeaderList): HeaderList {
    const marked: HeaderList = [...headers, [PEER_HEADER, this.cluster!.selfId], [PURGE_SEQ_HEADER, String(this.purges.appliedSeq)]];
    const auth = this.o.cluster!.peerAuth;
    if (auth.mode !== 'off' && auth.secret !== undefined) {
      const host = this.o.keyHost === 'request' ? headerValue(marked, 'host') : undefined;
      marked.push(...signPeerRequest(auth.secret, method, target, host, marked, this.o.clock.wallMs()));
    }
    return marked;
  }
}

/**
 * The surrogate keys of the copy a peer's answer holds: the list the peer names (Edge.forPeer),
 * else its served Surrogate-Key (an answer not from a stored copy, or from an older edge).
 */
export function answerSurrogateKeys(headers: HeaderList): string[] {
  return parseSurrogateKeys(headerValue(headers, SURROGATE_KEYS_HEADER) ?? headerValue(headers, 'surrogate-key'));
}

export function asTransportError(err: unknown): TransportError {
  return err instanceof TransportError ? err : new TransportError('other', String(err));
}
