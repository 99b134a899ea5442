/**
 * This edge's view of its region: the ring of members, which peers are suspect, which keys are
 * hot, and, for a while after a membership change, the previous ring so a key's new owner can
 * fill from its old owner instead of the origin (warm handoff).
 */
import type { Clock } from '../../common/ports.js';
import { HotKeys } from './hot-keys.js';
import { PeerHealth } from './peer-health.js';
import { byId, Ring, type RingMember } from './ring.js';

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
export { HANDOFF_HEADER, HANDOFF_NEXT_HEADER, PEER_HEADER, PURGE_SEQ_HEADER, PUSH_HEADER } from './peer-fields.js';

/**
 * Rings kept for handoff: an edge inside the window of one change may see another (a second
 * join, a leave, a rolling restart's next step); the keys it has not taken over yet are still
 * with the owner of an older ring. Four covers a rolling restart of a 4-edge region inside one
 * window; older rings are dropped (a miss then goes to the origin).
 */
export const MAX_PREVIOUS_RINGS = 4;
/** At most this many previous owners are asked for one key before the origin. */
export const MAX_HANDOFF_ASKS = 2;

/** Listens for ring changes (tests, the simulator, logs). */
export type RingListener = (change: { members: readonly RingMember[]; moved: number }) => void;

export class Cluster {
  readonly selfId: string;
  readonly health: PeerHealth;
  private ring: Ring;
  /** Earlier rings, newest first, each until its handoff window closes. */
  private previous: Array<{ ring: Ring; untilMs: number }> = [];
  private readonly hotKeys: HotKeys;
  private readonly listeners: RingListener[] = [];

  constructor(private readonly o: ClusterOptions) {
    this.selfId = o.selfId;
    this.ring = new Ring(o.members);
    this.health = new PeerHealth(o.clock, { suspectMs: o.peerSuspectMs, maxSuspectMs: o.peerMaxSuspectMs });
    this.hotKeys = new HotKeys(o.hotKeyRequestsPerSecond, 10_000);
    // An edge that (re)joins takes over keys the others were serving while it was away, so for
    // a while its misses ask the owner the ring would name without it.
    const others = o.members.filter((m) => m.id !== o.selfId);
    if (others.length > 0 && others.length < o.members.length && o.handoffMs > 0) {
      this.previous = [{ ring: new Ring(others), untilMs: o.clock.monoMs() + o.handoffMs }];
    }
  }

  members(): readonly RingMember[] {
    return this.ring.members();
  }

  owns(key: string): boolean {
    return this.ring.owner(key).id === this.selfId;
  }

  onRingChange(listener: RingListener): void {
    this.listeners.push(listener);
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
    return this.handoffPeers(key)[0];
  }

  /**
   * Previous owners to fill from, newest ring first, while their windows are open: each
   * distinct owner that is not this edge and not suspect. A member removed from the ring may
   * still be up (a graceful leave drains for a while): asking costs one fast failure if not.
   */
  handoffPeers(key: string): RingMember[] {
    const nowMs = this.o.clock.monoMs();
    while (this.previous.length > 0 && nowMs >= this.previous[this.previous.length - 1]!.untilMs) this.previous.pop();
    const out: RingMember[] = [];
    for (const { ring } of this.previous) {
      const old = ring.owner(key);
      if (old.id === this.selfId || out.some((m) => m.id === old.id) || this.health.isSuspect(old.id)) continue;
      out.push(old);
    }
    return out;
  }

  /**
   * Joining while members leave (this edge's join window open, and the change drops someone): a
   * leaver pushed its keys to their owners in its ring without itself, which did not hold this edge
   * yet: the ring this edge joined into, less the leavers. Neither that ring nor `before` names
   * those owners (cdn-sim swarm seed 33: e4 joined with the draining e3 in its ring, asked only e3,
   * which had pushed to e1 and exited, and went to the origin). Only the leavers' keys change owner
   * between the join ring and this one, so it adds an ask for those keys alone, after `before`'s
   * owner (the draining leaver itself, or this edge when the join ring names the leaver next).
   */
  private placedByLeavers(before: Ring, after: Ring, nowMs: number): Ring | undefined {
    const joinedInto = this.previous.find((p) => nowMs < p.untilMs && !p.ring.has(this.selfId))?.ring;
    if (joinedInto === undefined) return undefined;
    const left = before.members().filter((m) => m.id !== this.selfId && !after.has(m.id));
    if (left.length === 0) return undefined;
    const rest = joinedInto.members().filter((m) => !left.some((l) => l.id === m.id));
    return rest.length === 0 || rest.length === joinedInto.members().length ? undefined : new Ring(rest);
  }

  /** A member of the current or a remembered ring, for a handoff hint naming it by id. */
  knownMember(id: string): RingMember | undefined {
    for (const ring of [this.ring, ...this.previous.map((p) => p.ring)]) {
      const found = ring.members().find((m) => m.id === id);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /**
   * True for an edge that has just left: absent from the current ring, present in a remembered
   * one (inside its handoff window). Only such an edge may push keys here (graceful leave).
   */
  recentlyLeft(id: string): boolean {
    if (this.ring.has(id)) return false;
    const nowMs = this.o.clock.monoMs();
    return this.previous.some((p) => nowMs < p.untilMs && p.ring.has(id));
  }

  /** Counts a request for a key this edge does not own; true when it is hot enough to copy. */
  isHot(key: string, nowMs: number): boolean {
    return this.hotKeys.hit(key, nowMs);
  }

  /**
   * Installs a new membership. Returns how many of `storedKeys` this edge owned before and
   * no longer owns. A membership naming the same members with the same weights moves no key:
   * it is not a change, and must not replace the handoff window (a joining edge hears its own
   * ring again from the control plane, and would then take itself for every key's previous owner).
   */
  setMembers(members: readonly RingMember[], storedKeys: Iterable<string>): number {
    const before = this.ring;
    // An edge hears its configured ring again in the control plane's first membership (the control
    // client drops later repeats), and the admin port may send it again: the same members need no
    // new ring (building one takes up to ~180 ms at the maximum size, blocking the edge).
    if (sameMembers(before, members)) return 0;
    const after = new Ring(members);
    if (samePositions(before, after)) {
      this.ring = after; // URLs may have changed; ownership has not
      return 0;
    }
    let moved = 0;
    for (const key of storedKeys) {
      if (before.owner(key).id === this.selfId && after.owner(key).id !== this.selfId) moved++;
    }
    if (this.o.handoffMs > 0) {
      // An edge whose ring held only itself (started without peers) names no previous owner
      // there: its keys were with the region's ring without it.
      const others = after.members().filter((m) => m.id !== this.selfId);
      const alone = before.members().every((m) => m.id === this.selfId);
      const previous = alone && others.length > 0 ? new Ring(others) : before;
      const nowMs = this.o.clock.monoMs();
      const untilMs = nowMs + this.o.handoffMs;
      const placed = this.placedByLeavers(before, after, nowMs);
      if (placed !== undefined) this.previous.unshift({ ring: placed, untilMs });
      this.previous.unshift({ ring: previous, untilMs });
      if (this.previous.length > MAX_PREVIOUS_RINGS) this.previous.length = MAX_PREVIOUS_RINGS;
    }
    this.ring = after;
    for (const listener of this.listeners) listener({ members: after.members(), moved });
    return moved;
  }
}

/** The very members `ring` was built from (ids, URLs and weights), in any order. */
function sameMembers(ring: Ring, members: readonly RingMember[]): boolean {
  return sameSorted(ring.members(), [...members].sort(byId), true);
}

/** Same ids with the same weights: every key has the same owner in both rings. */
function samePositions(a: Ring, b: Ring): boolean {
  return sameSorted(a.members(), b.members(), false);
}

/** Two member lists sorted by id: the same ids and weights, and with `urls` the same URLs. */
function sameSorted(x: readonly RingMember[], y: readonly RingMember[], urls: boolean): boolean {
  return x.length === y.length && x.every((m, i) => m.id === y[i]!.id && m.weight === y[i]!.weight && (!urls || m.url === y[i]!.url));
}
