/**
 * glibc malloc settings the edge process is launched with (GLIBC_TUNABLES). glibc reads them when
 * the process starts, so whoever launches node sets them, as for the semi-spaces
 * (young-generation.ts): `npm start` (local-region), the systemd unit, the container image and the
 * bench. Not the `#!` line of dist/edge/main.js: `env -S` there would override an operator's value,
 * and Linux before 5.1 cuts a `#!` line at 127 bytes. `cdn-edge` run by hand gets glibc's defaults
 * unless GLIBC_TUNABLES is set.
 *
 * Why: an edge that relays or fills a large object reads its body whole into a Buffer of its size
 * (malloc'd) and frees it soon after. With glibc's defaults, in one process the heap's top went
 * back to the kernel after each such request and was grown again for the next: measured
 * 2026-12-05 on e1 relaying 100 KiB objects from e2 (6,000 requests, `strace -c`), one brk per
 * request and 205-272 µs of system CPU per request (a32eaff's e1 in the same runs: no brk, 97-165
 * µs), the last byte 1.14x and 1.28x a32eaff's with direct hits on e2 between blocks as the
 * peer-hop bench has them. With top_pad 16 MiB (and a trim threshold of 32 or 64 MiB) on this
 * build only: 87-100 µs of system CPU per request and 0.79-0.88x a32eaff's (three runs); this build
 * with these settings against itself without: 92 against 187 µs, 0.631 against 0.751 ms
 * (loadtests/bench/RESULTS.md, "2026-12-05 03:10").
 *
 * top_pad: each growth of the heap takes 16 MiB more than asked, so it grows rarely.
 * trim_threshold: the top goes back to the kernel only once 32 MiB of it is free.
 * mmap_threshold: setting either of the two above turns off glibc's moving mmap threshold (which
 * rises, up to 32 MiB, to the size of each mmapped block freed), leaving it at 128 KiB, so every
 * object from 128 KiB to the largest cacheable (8 MiB by default) would be mmapped and unmapped per
 * relay or fill; 32 MiB is where the moving threshold would stop.
 * Resident cost: up to 32 MiB of freed heap kept for reuse per malloc arena.
 */
export const EDGE_GLIBC_TUNABLES = 'glibc.malloc.top_pad=16777216:glibc.malloc.trim_threshold=33554432:glibc.malloc.mmap_threshold=33554432';

/**
 * The GLIBC_TUNABLES an edge launched from `env` gets: the operator's if set and non-empty,
 * otherwise the edge's (to run with glibc's own defaults, set a tunable to its default value).
 */
export function edgeGlibcTunables(env: Readonly<Record<string, string | undefined>>): string {
  const own = env['GLIBC_TUNABLES'];
  return own === undefined || own === '' ? EDGE_GLIBC_TUNABLES : own;
}

/** `env` with GLIBC_TUNABLES as edgeGlibcTunables says. */
export function withEdgeMallocTuning<T extends Readonly<Record<string, string | undefined>>>(env: T): T & { GLIBC_TUNABLES: string } {
  return { ...env, GLIBC_TUNABLES: edgeGlibcTunables(env) };
}
