/**
 * glibc malloc settings the edge process is launched with (GLIBC_TUNABLES). glibc reads them when
 * the process starts, so whoever launches node sets them, as for the semi-spaces
 * (young-generation.ts): `npm start` (local-region), the systemd unit, the container image and the
 * bench. Not the `#!` line of dist/edge/main.js: `env -S` there would override an operator's value,
 * and Linux before 5.1 cuts a `#!` line at 127 bytes. `cdn-edge` run by hand gets glibc's defaults
 * unless GLIBC_TUNABLES is set.
 *
 * Why: an edge that relays or fills a large object reads its body whole into a Buffer of its size
 * (malloc'd), which is freed only when the collector frees the Buffer. With glibc's defaults, in one
 * process the heap grew by about 200 KiB per request, touching fresh pages each time, and its top
 * went back to the kernel in bulk (113 growths and one shrink of about 18 MiB in 3 s of `strace
 * -k`): measured 2026-12-05 on e1 relaying 100 KiB objects from e2 (`strace -c` over 15 s of a
 * 12,000-request run), one brk per request and 205-272 µs of system CPU per request (a32eaff's e1 in the same runs: no brk, 97-165
 * µs), the last byte 1.14x a32eaff's with direct hits on e2 between blocks as the peer-hop bench
 * has them (1.28x in a run with --trace-gc). With top_pad 16 MiB (alone, or with a trim threshold
 * of 64 MiB) on this build only: 87-100 µs of system CPU per request and 0.79-0.88x a32eaff's
 * (three runs). These final settings against the same build without them: 108 against 268 µs,
 * 0.904 against 1.067 ms (one run; loadtests/bench/RESULTS.md, "2026-12-05 03:10").
 *
 * top_pad: each growth of the heap takes 16 MiB more than asked, so it grows rarely.
 * trim_threshold: the top goes back to the kernel only once 32 MiB of it is free (8 MiB alone did
 * not help in one run, presumably because the bulk shrinks were larger than that).
 * mmap_threshold: setting either of the two above turns off glibc's moving mmap threshold (which
 * rises, up to 32 MiB on 64-bit, to the size of each mmapped block freed), leaving it at 128 KiB,
 * so an object from 128 KiB to the largest cacheable (8 MiB by default) would be mmapped and
 * unmapped per relay or fill whenever the heap's top has no room for it; 32 MiB is where the moving
 * threshold would stop. Blocks under 32 MiB always come from the heap.
 *
 * Resident cost: up to 32 MiB of free heap at the top of each malloc arena, and, as with glibc's
 * moving threshold once it has risen, freed blocks below the top stay in the heap for reuse rather
 * than going back to the kernel: after large objects are evicted or purged, RSS stays near its
 * high-water mark (a reviewing helper's synthetic test: 200 x 1 MiB freed under live small buffers
 * left 243 MiB resident against 43 MiB with glibc's defaults, which had mmapped them all). Size a
 * memory limit for the cache at its fullest plus that.
 */
export const EDGE_GLIBC_TUNABLES = 'glibc.malloc.top_pad=16777216:glibc.malloc.trim_threshold=33554432:glibc.malloc.mmap_threshold=33554432';

/**
 * The GLIBC_TUNABLES an edge launched from `env` gets: the operator's if set and non-empty,
 * otherwise the edge's. To run with glibc's own behaviour, set one that changes nothing, such as
 * `glibc.malloc.perturb=0` (setting top_pad, trim_threshold or mmap_threshold to any value, even
 * glibc's default, turns its moving mmap threshold off).
 */
export function edgeGlibcTunables(env: Readonly<Record<string, string | undefined>>): string {
  const own = env['GLIBC_TUNABLES'];
  return own === undefined || own === '' ? EDGE_GLIBC_TUNABLES : own;
}

/** `env` with GLIBC_TUNABLES as edgeGlibcTunables says. */
export function withEdgeMallocTuning<T extends Readonly<Record<string, string | undefined>>>(env: T): T & { GLIBC_TUNABLES: string } {
  return { ...env, GLIBC_TUNABLES: edgeGlibcTunables(env) };
}
