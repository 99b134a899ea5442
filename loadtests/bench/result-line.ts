/**
 * The one line every load generator prints when it finishes: wrk's Lua `done()` and the node
 * fallback generator both write `BENCH_RESULT key=value ...`, and the harness parses only this.
 */

export const RESULT_PREFIX = 'BENCH_RESULT';

export interface GeneratorResult {
  requests: number;
  durationUs: number;
  bytes: number;
  latencyUsP50: number;
  latencyUsP90: number;
  latencyUsP99: number;
  latencyUsMax: number;
  latencyUsMean: number;
  errorsConnect: number;
  errorsRead: number;
  errorsWrite: number;
  /** Responses with a status >= 400 (wrk counts these as "Non-2xx or 3xx"). */
  errorsStatus: number;
  errorsTimeout: number;
}

/** The wire names, in the order the Lua script prints them. */
export const RESULT_KEYS: ReadonlyArray<readonly [string, keyof GeneratorResult]> = [
  ['requests', 'requests'],
  ['duration_us', 'durationUs'],
  ['bytes', 'bytes'],
  ['p50_us', 'latencyUsP50'],
  ['p90_us', 'latencyUsP90'],
  ['p99_us', 'latencyUsP99'],
  ['max_us', 'latencyUsMax'],
  ['mean_us', 'latencyUsMean'],
  ['errors_connect', 'errorsConnect'],
  ['errors_read', 'errorsRead'],
  ['errors_write', 'errorsWrite'],
  ['errors_status', 'errorsStatus'],
  ['errors_timeout', 'errorsTimeout'],
];

export function formatResultLine(r: GeneratorResult): string {
  return `${RESULT_PREFIX} ${RESULT_KEYS.map(([wire, field]) => `${wire}=${r[field]}`).join(' ')}`;
}

/** Finds the BENCH_RESULT line in a generator's stdout; undefined if absent, throws if malformed. */
export function parseResultLine(stdout: string): GeneratorResult | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(`${RESULT_PREFIX} `));
  if (line === undefined) return undefined;
  const values = new Map<string, number>();
  for (const token of line.slice(RESULT_PREFIX.length).trim().split(/\s+/)) {
    const eq = token.indexOf('=');
    if (eq <= 0) throw new Error(`malformed ${RESULT_PREFIX} token ${JSON.stringify(token)}`);
    const n = Number(token.slice(eq + 1));
    if (!Number.isFinite(n)) throw new Error(`malformed ${RESULT_PREFIX} value ${JSON.stringify(token)}`);
    values.set(token.slice(0, eq), n);
  }
  const out: Partial<Record<keyof GeneratorResult, number>> = {};
  for (const [wire, field] of RESULT_KEYS) {
    const v = values.get(wire);
    if (v === undefined) throw new Error(`${RESULT_PREFIX} line lacks ${wire}: ${line}`);
    out[field] = v;
  }
  return out as GeneratorResult;
}

export function requestsPerSecond(r: GeneratorResult): number {
  return r.durationUs > 0 ? r.requests / (r.durationUs / 1e6) : 0;
}
