/**
 * This edge's view of its region: the ring of members, which peers are suspect, which keys are
 * hot, and, for a while after a membership change, the previous ring so a key's new owner can
 * fill from its old owner instead of the origin (warm handoff).
 */
import type { Clock } from '../../common/ports.js';
import { HotKeys } from './hot-keys.js';
import { PeerHealth } from './peer-health.js';
import { Ring, type RingMember } from './ring.js';

export interface ClusterOptions {
  selfId: string;
  members: readonly RingMember[];
  clock: Clock;
  peerSuspectMs: number;
  peerMaxSuspectMs: number;
  hotKeyRequestsPerSecond: number;
  /** How long after a membership change new owners ask old owners first. */
  handoffMs: number;
}

// The peer protocol's field names live in peer-fields.ts; re-exported for existing importers.
export { HANDOFF_HEADER, PEER_HEADER, PURGE_SEQ_HEADER } from './peer-fields.js';

export class Cluster {
  readonly selfId: string;
  readonly health: PeerHealth;
  private ring: Ring;
  private previous: { ring: Ring; untilMs: number } | undefined;
  private readonly hotKeys: HotKeys;

  constructor(private readonly o: ClusterOptions) {
    this.selfId = o.selfId;
    this.ring = new Ring(o.members);
    this.health = new PeerHealth(o.clock, { suspectMs: o.peerSuspectMs, maxSuspectMs: o.peerMaxSuspectMs });
    this.hotKeys = new HotKeys(o.hotKeyRequestsPerSecond, 10_000);
    // An edge that (re)joins takes over keys the others were serving while it was away, so for
    // a while its misses ask the owner the ring would name without it.
    const others = o.members.filter((m) => m.id !== o.selfId);
    if (others.length > 0 && others.length < o.members.length && o.handoffMs > 0) {
      this.previous = { ring: new Ring(others), untilMs: o.clock.monoMs() + o.handoffMs };
    }
  }

  members(): readonly RingMember[] {
    return this.ring.members();
  }

  owns(key: string): boolean {
    return this.ring.owner(key).id === this.selfId;
  }

  /**
   * Peers to ask before the origin, in ring order: the owner, then its successors, up to this
   * edge itself (from there on the origin is next). Suspect peers are skipped.
   */
  peersBefore(key: string): RingMember[] {
    const out: RingMember[] = [];
    for (const member of this.ring.successors(key, 3)) {
      if (member.id === this.selfId) break;
      if (!this.health.isSuspect(member.id)) out.push(member);
    }
    return out;
  }

  /** The previous owner to fill from, while a handoff window is open and it is not us. */
  handoffPeer(key: string): RingMember | undefined {
    const previous = this.previous;
    if (previous === undefined) return undefined;
    if (this.o.clock.monoMs() >= previous.untilMs) {
      this.previous = undefined;
      return undefined;
    }
    const old = previous.ring.owner(key);
    // A member removed from the ring may still be up (scale-in): asking costs one fast failure if not.
    if (old.id === this.selfId) return undefined;
    return this.health.isSuspect(old.id) ? undefined : old;
  }

  /** Counts a request for a key this edge does not own; true when it is hot enough to copy. */
  isHot(key: string, nowMs: number): boolean {
    return this.hotKeys.hit(key, nowMs);
  }

  /**
   * Installs a new membership. Returns how many of `storedKeys` this edge owned before and
   * no longer owns.
   */
  setMembers(members: readonly RingMember[], storedKeys: Iterable<string>): number {
    const before = this.ring;
    const after = new Ring(members);
    let moved = 0;
    for (const key of storedKeys) {
      if (before.owner(key).id === this.selfId && after.owner(key).id !== this.selfId) moved++;
    }
    this.previous = { ring: before, untilMs: this.o.clock.monoMs() + this.o.handoffMs };
    this.ring = after;
    return moved;
  }
}
