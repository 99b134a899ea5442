/** h2load (Debian `nghttp2-client`): its command line for a timed run, and what its summary says. */

export interface H2loadResult {
  requestsPerSec: number;
  succeeded: number;
  failed: number;
  errored: number;
}

/** `clients` connections × `streams` concurrent streams each, for `seconds`, after a one-second warm-up. */
export function h2loadArgs(url: string, o: { clients: number; streams: number; seconds: number; threads: number }): string[] {
  return ['-c', String(o.clients), '-m', String(o.streams), '-t', String(o.threads), '-D', `${o.seconds}s`, '--warm-up-time=1s', url];
}

/**
 * From h2load's summary:
 * `finished in 10.00s, 41234.50 req/s, 44.12MB/s` and
 * `requests: 412345 total, 412345 started, 412345 done, 412345 succeeded, 0 failed, 0 errored, 0 timeout`.
 */
export function parseH2load(stdout: string): H2loadResult | undefined {
  const rate = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(stdout);
  const counts = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(stdout);
  if (rate === null || counts === null) return undefined;
  return { requestsPerSec: Number(rate[1]), succeeded: Number(counts[1]), failed: Number(counts[2]), errored: Number(counts[3]) };
}
