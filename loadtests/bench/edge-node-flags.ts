/**
 * Extra node flags for the edge processes the bench starts (`--edge-node-flags` /
 * BENCH_EDGE_NODE_FLAGS), after the young-generation flags every edge gets: for looking into a
 * figure, such as `--trace-gc` with `--server-logs DIR` to see which collections fall in the p99,
 * or `--single-threaded` to take V8's helper threads off the pinned core. A published run uses none.
 */

/**
 * The flags in `raw`, split on whitespace; each must look like `--name` or `--name=value`, which
 * catches a stray word or script path (the operator's own setting, so a typo check, not a guard).
 * Empty or undefined: none.
 */
export function parseEdgeNodeFlags(raw: string | undefined, option = 'BENCH_EDGE_NODE_FLAGS / --edge-node-flags'): { ok: true; flags: string[] } | { ok: false; message: string } {
  if (raw === undefined || raw.trim() === '') return { ok: true, flags: [] };
  const flags = raw.trim().split(/\s+/);
  for (const f of flags) {
    if (!/^--[a-z0-9][a-z0-9_-]*(=[A-Za-z0-9_.,:/+-]+)?$/.test(f)) {
      return { ok: false, message: `${option}: ${JSON.stringify(f)} is not a node flag; give flags like "--trace-gc --single-threaded"` };
    }
  }
  return { ok: true, flags };
}
