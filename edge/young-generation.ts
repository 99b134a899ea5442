/**
 * The edge process's young generation (V8's semi-spaces), set by whoever launches node. A scavenge
 * stalls every connection of the process for its pause: the ~50 requests of the loop turn it lands
 * in, and the next turn's, wait behind it, so each of them carries the pause, and a p99 that lands
 * among them is the pause's (see below for how often that is). The pause grows with the semi-space size even on the hit path, where almost nothing
 * survives (measured 2026-12-02 with --trace-gc under wrk, one 1 KiB URL, median scavenge pause:
 * 1 MiB 0.2 ms, 2 MiB 0.3, 4 MiB 0.35-0.5, 8 MiB 0.7-0.8, 16 MiB 1.2, node's default 1.2-2.7;
 * and on the quiet machine the wrk p99 by size: 4 MiB 1.07-1.20 ms, 8 MiB 1.2-1.4, node's default
 * 1.4-1.6, 64 MiB 3.5-3.9, 128 MiB 5.1-5.5, at the same req/s). Below 4 MiB the pauses shrink
 * little while their number doubles with each halving, so the collector's time per hit grows
 * (0.6-0.7 ms per 1,000 one-URL hits at 1-2 MiB against 0.4 at 4 MiB; browser-like hits 1.7-2.1
 * against 1.1): 4 MiB is the default. Node's own default is not: it grows the nursery to 16 MiB
 * under this load. Resident cost: up to 2 × 4 MiB, a constant that does not grow with the cache.
 *
 * How often it comes matters too: each scavenge delays the ~50 requests in flight, so the share of
 * requests delayed is about 50 × bytes allocated per hit / semi-space size (3.0% of browser-like
 * hits at 4 MiB on 2026-12-03, 1.5% of wrk hits), and the p99 lands among them while that share
 * is above 1%. A larger semi-space lowers the share but not, as measured, the p99: 16 MiB beside
 * 4 MiB in the same rounds (three runs, noisy machine) gave one-URL p99 ratios of 1.04, 1.26 and
 * 1.37 (16/4, medians of rounds) and mixed results for the other cases, so 4 MiB stays and the
 * share comes down through allocating less (loadtests/bench/RESULTS.md, 2026-12-03 08:00).
 *
 * V8 sizes its heap when the process starts, so this cannot be set from inside the edge
 * (v8.setFlagsFromString is too late) and --min-semi-space-size is refused in NODE_OPTIONS.
 * The launchers pass these flags on node's command line: the `#!` line of dist/edge/main.js
 * (`cdn-edge` run as a command, the container's bin/), `npm start` (local-region) and the
 * bench. EDGE_SEMI_SPACE_MIB changes the size for `npm start` and the bench; for a command run
 * by hand, `node --min-semi-space-size=N --max-semi-space-size=N dist/edge/main.js` (flags on
 * node's own command line win over the `#!` line's).
 */

/** MiB per semi-space; the `#!` line of edge/main.ts says the same (test/edge/young-generation.test.ts checks). */
export const DEFAULT_EDGE_SEMI_SPACE_MIB = 4;

/** The largest EDGE_SEMI_SPACE_MIB taken (V8's own limit is far above what an edge needs). */
export const MAX_EDGE_SEMI_SPACE_MIB = 1024;

export type SemiSpaceSetting = { ok: true; mib: number } | { ok: false; message: string };

/** EDGE_SEMI_SPACE_MIB, or the default when it is unset or empty: a whole number of MiB, 1 to 1024. */
export function edgeSemiSpaceMib(env: Readonly<Record<string, string | undefined>>): SemiSpaceSetting {
  const raw = env['EDGE_SEMI_SPACE_MIB'];
  if (raw === undefined || raw === '') return { ok: true, mib: DEFAULT_EDGE_SEMI_SPACE_MIB };
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_EDGE_SEMI_SPACE_MIB) {
    return { ok: false, message: `EDGE_SEMI_SPACE_MIB: expected a whole number of MiB from 1 to ${MAX_EDGE_SEMI_SPACE_MIB}, got ${JSON.stringify(raw)}` };
  }
  return { ok: true, mib: Number(raw) };
}

/** node's command-line flags for semi-spaces of `mib` MiB from the start (min = max: the nursery neither starts smaller nor grows). */
export function semiSpaceFlags(mib: number): string[] {
  return [`--min-semi-space-size=${mib}`, `--max-semi-space-size=${mib}`];
}

/** The flags for EDGE_SEMI_SPACE_MIB's size (or the default); throws its message when it is invalid (for the bench's launchers). */
export function semiSpaceFlagsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  const semiSpace = edgeSemiSpaceMib(env);
  if (!semiSpace.ok) throw new Error(semiSpace.message);
  return semiSpaceFlags(semiSpace.mib);
}
