/**
 * Deliberate bugs for the simulator's `--break` variants: each switch flips ONE rule in product
 * code, so `cdn-sim swarm --break X` shows that the checker meant to guard that rule catches it
 * (sim/README.md lists each variant, the line it flips and its catch rate).
 *
 * Only the simulator sets them (`breakRules`), around one run at a time in its thread; no
 * binary, config field, flag or environment variable reaches this module, so a deployed edge
 * cannot run broken. Reading a switch is one Set lookup on an empty Set.
 */

export const BROKEN_RULES = [
  /** edge/pipeline/build-stored.ts: a stored copy's lifetime ignores the Age it arrived with (RFC 9111 §4.2.3). → freshness */
  'freshness-ignores-age',
  /** edge/pipeline/upstream.ts: a request that came from a peer is forwarded to the owner again (two peer hops). → routing */
  'routing-peer-hop',
  /** edge/store/response-store.ts: the store's byte bound is twice the configured capacity. → local */
  'local-capacity',
  /** edge/control/control-client.ts: a lost control-plane stream is never reopened. → convergence */
  'convergence-no-reconnect',
] as const;

export type BrokenRule = (typeof BROKEN_RULES)[number];

let broken: ReadonlySet<BrokenRule> = new Set();

/** Product code: whether this rule is deliberately broken in this run. */
export function isBroken(rule: BrokenRule): boolean {
  return broken.size !== 0 && broken.has(rule);
}

/** Simulator only: breaks these rules until the returned function restores the previous set. */
export function breakRules(rules: Iterable<BrokenRule>): () => void {
  const previous = broken;
  broken = new Set(rules);
  return () => {
    broken = previous;
  };
}
