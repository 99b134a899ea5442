/**
 * Which copy of a key each edge holds, as far as the history shows: for membership-origin, which
 * asks whether a moved key's previous owner could have answered a handoff with it.
 *
 * An edge takes a copy from the origin (a 200, or a 304 that renews its stored copy), from a
 * peer's answer (the peer's copy, with the peer's lifetime: Age travels with it) and from a
 * leaving edge's push it stored (the leaver's copy). A crash or restart empties the edge's cache.
 * Evictions are not in the history (the swarm keeps caches small enough for that; see
 * sim/README.md), so a copy counts until its lifetime ends.
 */
import type { HistoryRecord } from '../history.js';

export interface EdgeCopy {
  /** When the copy left the origin (true ms): a purge accepted after it makes it unusable. */
  fromOriginAt: number;
  /** Until when it is fresh (true ms). */
  freshUntil: number;
}

export class EdgeCopies {
  /** Edge -> key -> its latest copy. */
  private readonly byEdge = new Map<string, Map<string, EdgeCopy>>();

  constructor(
    /** Edge id -> its region, to resolve `edges` and `region:` fault selectors. */
    private readonly regionOf: ReadonlyMap<string, string>,
  ) {}

  /** The copy `edge` holds of `key`, if any. */
  get(edge: string, key: string): EdgeCopy | undefined {
    return this.byEdge.get(edge)?.get(key);
  }

  /** Every key `edge` holds, with its copy. */
  of(edge: string): ReadonlyMap<string, EdgeCopy> {
    return this.byEdge.get(edge) ?? new Map();
  }

  record(r: HistoryRecord): void {
    switch (r.type) {
      case 'origin':
        if (r.method === 'GET' && (r.status === 200 || r.status === 304) && r.lifetimeMs !== undefined && this.regionOf.has(r.from)) this.set(r.from, r.key, { fromOriginAt: r.t, freshUntil: r.t + r.lifetimeMs });
        return;
      case 'request': {
        if (r.role !== 'peer' || r.from === undefined) return;
        // A peer's answer with content, or a push the new owner stored: the receiver now holds
        // the sender's copy (the answering edge for a GET, the leaver for a PUT). A non-owner keeps
        // a plain relay only when the key is hot, which the history does not show; counting every
        // relay anyway keeps the chain a rolling restart hands its keys along (leave, then rejoin)
        // in view: counting handoff answers only lost 4 of 19 --break handoff seeds of 1-100.
        const taken = r.method === 'GET' && r.status === 200 && r.version !== undefined ? this.get(r.node, r.key) : r.method === 'PUT' && r.status === 201 ? this.get(r.from, r.key) : undefined;
        const receiver = r.method === 'GET' ? r.from : r.node;
        if (taken !== undefined) this.set(receiver, r.key, taken);
        return;
      }
      case 'fault':
        if (r.kind === 'crash' || r.kind === 'restart') for (const edge of this.edgesIn(r.detail.split(' ')[0] ?? '')) this.byEdge.delete(edge);
        return;
      default:
        return;
    }
  }

  private set(edge: string, key: string, copy: EdgeCopy): void {
    let keys = this.byEdge.get(edge);
    if (keys === undefined) this.byEdge.set(edge, (keys = new Map()));
    keys.set(key, copy);
  }

  /**
   * The edges a fault's selectors name (`node:ID`, `region:R`, `edges`). `odd-edges` and
   * `even-edges` need the world's edge order, which the history does not carry: every edge is
   * taken, which can only make fewer copies count (no membership change is judged near a crash).
   */
  private edgesIn(selectors: string): string[] {
    const out: string[] = [];
    for (const sel of selectors.split(',')) {
      if (sel.startsWith('node:')) out.push(sel.slice(5));
      else if (sel.startsWith('region:')) for (const [edge, region] of this.regionOf) region === sel.slice(7) && out.push(edge);
      else if (sel === 'edges' || sel === 'odd-edges' || sel === 'even-edges') out.push(...this.regionOf.keys());
    }
    return out;
  }
}
