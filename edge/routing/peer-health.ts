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

/**
 * A peer became suspect (`suspectForMs` > 0: skipped for that long) or was cleared by an answer
 * (0). For observers (the simulator's membership checker), not for routing.
 */
export type PeerHealthListener = (change: { peer: string; suspectForMs: number }) => void;

interface PeerState {
  suspectUntilMs: number;
  nextSuspectMs: number;
}

export class PeerHealth {
  private readonly peers = new Map<string, PeerState>();
  private readonly listeners: PeerHealthListener[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly options: PeerHealthOptions,
  ) {}

  isSuspect(id: string): boolean {
    const state = this.peers.get(id);
    return state !== undefined && this.clock.monoMs() < state.suspectUntilMs;
  }

  /** Called on every change of a peer's suspicion; costs nothing on answers from healthy peers. */
  onChange(listener: PeerHealthListener): void {
    this.listeners.push(listener);
  }

  succeeded(id: string): void {
    // Only a peer that had failed has state to clear: a healthy peer's answer costs one lookup.
    if (!this.peers.delete(id)) return;
    for (const listener of this.listeners) listener({ peer: id, suspectForMs: 0 });
  }

  failed(id: string): void {
    const state = this.peers.get(id) ?? { suspectUntilMs: 0, nextSuspectMs: this.options.suspectMs };
    const suspectForMs = state.nextSuspectMs;
    state.suspectUntilMs = this.clock.monoMs() + suspectForMs;
    state.nextSuspectMs = Math.min(suspectForMs * 2, this.options.maxSuspectMs);
    this.peers.set(id, state);
    for (const listener of this.listeners) listener({ peer: id, suspectForMs });
  }

  /** Peers currently skipped, for metrics and /healthz. */
  suspects(): string[] {
    return [...this.peers.keys()].filter((id) => this.isSuspect(id));
  }
}
