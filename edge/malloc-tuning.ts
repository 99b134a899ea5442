/**
 * glibc malloc settings the edge process is launched with (GLIBC_TUNABLES). glibc reads them when
 * the process starts, so, like the semi-spaces (young-generation.ts), whoever launches node sets
 * them: the `#!` line of dist/edge/main.js, `npm start` (local-region), the systemd unit, the
 * Kubernetes manifest and the bench.
 *
 * Why: an edge that relays or fills a large object allocates a Buffer of its size per request
 * (the peer's or origin's body, read whole) and frees it soon after. With glibc's defaults the
 * heap's top is handed back to the kernel as soon as 128 KiB of it is free, and grown again by
 * the next request: system calls and page faults for every one. Measured 2026-12-05 on e1
 * relaying 100 KiB objects from e2 (raw-socket client, direct hits on e2 between blocks, 6,000
 * requests, `strace -c`): one brk per request, 205-272 µs of system CPU per request against
 * 87-100 with these settings, and the last byte 1.14-1.28x a32eaff's without them against
 * 0.79-0.88x with them (three runs each; loadtests/bench/RESULTS.md, "2026-12-05 03:10").
 *
 * top_pad: each growth of the heap takes 16 MiB more than asked, so it grows rarely;
 * trim_threshold: the top is handed back only once 32 MiB of it is free. Resident cost: up to
 * 32 MiB of freed heap kept for reuse, which a cache of any size spends anyway. A GLIBC_TUNABLES
 * the operator sets is kept as it is.
 */
export const EDGE_GLIBC_TUNABLES = 'glibc.malloc.top_pad=16777216:glibc.malloc.trim_threshold=33554432';

/** The GLIBC_TUNABLES an edge launched from `env` gets: the operator's if set (non-empty), otherwise the edge's. */
export function edgeGlibcTunables(env: Readonly<Record<string, string | undefined>>): string {
  const own = env['GLIBC_TUNABLES'];
  return own === undefined || own === '' ? EDGE_GLIBC_TUNABLES : own;
}

/** `env` with GLIBC_TUNABLES as edgeGlibcTunables says. */
export function withEdgeMallocTuning<T extends Readonly<Record<string, string | undefined>>>(env: T): T & { GLIBC_TUNABLES: string } {
  return { ...env, GLIBC_TUNABLES: edgeGlibcTunables(env) };
}
