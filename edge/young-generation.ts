/**
 * The edge process's young generation (V8's semi-spaces), set by whoever launches node: node's
 * default (16 MiB semi-spaces) has the hit path scavenge every ~0.1 s at 40k hits/s, and each
 * scavenge stalls every connection for its pause, which lands in the p99. Bigger semi-spaces
 * scavenge less often for about the same pause (a pause costs what survives, not what died).
 * The cost is resident memory: up to two semi-spaces (2 × 64 MiB by default), a constant that
 * does not grow with the cache.
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
export const DEFAULT_EDGE_SEMI_SPACE_MIB = 64;

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

/** node's command-line flags for semi-spaces of `mib` MiB from the start (min = max: no slow growth from 1 MiB). */
export function semiSpaceFlags(mib: number): string[] {
  return [`--min-semi-space-size=${mib}`, `--max-semi-space-size=${mib}`];
}
