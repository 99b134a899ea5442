/**
 * Types for the parts of `consistent-hash@1` (plain CommonJS, no bundled types) that the ring was
 * built on; test/edge/routing/ring-reference.test.ts still builds it as the reference the Ring
 * must agree with. See node_modules/consistent-hash/consistent-hash.js.
 */
declare module 'consistent-hash' {
  interface ConsistentHashOptions {
    /** Size of the ring's position space; positions are integers in [0, range). Default 100003. */
    range?: number;
    /** Control points per node when `add` is given none. Default 40. */
    controlPoints?: number;
  }

  class ConsistentHash<T = unknown> {
    constructor(options?: ConsistentHashOptions);
    nodeCount: number;
    keyCount: number;
    /**
     * Adds `node` at the given control points. Without `points` the library draws them from
     * `Math.random()`, which would give every process a different ring: always pass them.
     */
    add(node: T, weight?: number, points?: readonly number[]): this;
    remove(node: T): this;
    /** The node owning `name`: the first control point at or after `(pjw(name) << 5) % range`. */
    get(name: string): T | null;
    /** Up to `count` distinct nodes in ring order starting with the owner (`count` must be > 0). */
    get(name: string, count: number): T[] | null;
    getNodes(): T[];
    getPoints(node: T): number[] | undefined;
  }

  export = ConsistentHash;
}
