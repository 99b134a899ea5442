/**
 * Outlier detection for peers: a timeout or connection error makes a peer suspect for a while,
 * during which misses skip it. When the while is over, the next request tries it again; an
 * answer clears it, another failure makes it suspect for longer (doubling, bounded).
 */
import type { Clock } from '../../common/ports.js';

export interface PeerHealthOptions {
  /** First suspicion period after a failure. */
  suspectMs: number;
  /** Upper bound for the doubling suspicion period. */
  maxSuspectMs: number;
}

interface PeerState {
  suspectUntilMs: number;
  nextSuspectMs: number;
}

export class PeerHealth {
  private readonly peers = new Map<string, PeerState>();

  constructor(
    private readonly clock: Clock,
    private readonly options: PeerHealthOptions,
  ) {}

  isSuspect(id: string): boolean {
    const state = this.peers.get(id);
    return state !== undefined && this.clock.monoMs() < state.suspectUntilMs;
  }

  succeeded(id: string): void {
    this.peers.delete(id);
  }

  failed(id: string): void {
    const state = this.peers.get(id) ?? { suspectUntilMs: 0, nextSuspectMs: this.options.suspectMs };
    state.suspectUntilMs = this.clock.monoMs() + state.nextSuspectMs;
    state.nextSuspectMs = Math.min(state.nextSuspectMs * 2, this.options.maxSuspectMs);
    this.peers.set(id, state);
  }

  /** Peers currently skipped, for metrics and /healthz. */
  suspects(): string[] {
    return [...this.peers.keys()].filter((id) => this.isSuspect(id));
  }
}
