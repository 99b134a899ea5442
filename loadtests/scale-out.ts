/**
 * scale-out: traffic over a warm key set while a new edge joins the ring mid-test.
 *
 * Proves warm handoff: when an edge joins, about 1/(n+1) of the keys get a new owner, and that
 * owner must take them from the previous owner rather than from the origin. setup() warms KEYS
 * objects (one origin fetch each, max-age 300 s so nothing expires); at JOIN_AT_S the joiner asks
 * the region orchestrator for one more edge (`POST /edges` → 201 {id, url}), then reads every key
 * through the new edge while traffic goes on through the old ones. The origin's request count for
 * the key set is read before the join and REBALANCE_WINDOW_S later; the difference is the
 * `origin_fetches_during_rebalance` counter, which must stay at or below MAX_ORIGIN_FETCHES
 * (`edges_joined` and `rebalance_measured` must each reach 1, so a join that never happened or a
 * count that could not be read fails the run instead of passing it).
 *
 * The edge it adds stays in the region afterwards; restart `npm start` for a three-edge region.
 *
 *   k6 run loadtests/scale-out.ts                       (npm run loadtest -- scale-out)
 */
import http from 'k6/http';
import exec from 'k6/execution';
import { check, sleep } from 'k6';
import { Counter } from 'k6/metrics';
import type { Options } from 'k6/options';
import { envInteger, envOptional } from './lib/env.ts';
import { originStats, requestsUnder } from './lib/origin.ts';
import { abortRun, preflight } from './lib/preflight.ts';
import { bearer, loadRegion, readOptionalFile, REGION_FILE, runId } from './lib/region.ts';
import { bodyVersion, describeFailure } from './lib/response.ts';
import { hash32 } from './lib/zipf.ts';

const region = loadRegion(readOptionalFile(() => open(REGION_FILE)));

const RATE_PER_S = envInteger('RATE_PER_S', 100, 1);
const DURATION_S = envInteger('DURATION_S', 50, 1);
const KEYS = envInteger('KEYS', 300, 1);
const JOIN_AT_S = envInteger('JOIN_AT_S', 15, 0);
const REBALANCE_WINDOW_S = envInteger('REBALANCE_WINDOW_S', 20, 1);
/** Default: 5% of the keys (a cold join would refetch about a quarter of them from a 3-edge region). */
const MAX_ORIGIN_FETCHES = envInteger('MAX_ORIGIN_FETCHES', Math.max(3, Math.ceil(KEYS * 0.05)), 0);
const P95_MS = envInteger('P95_MS', 150, 1);
const SWEEP_BATCH = 20;

if (DURATION_S < JOIN_AT_S + REBALANCE_WINDOW_S) {
  throw new Error(`DURATION_S (${DURATION_S}) must cover JOIN_AT_S + REBALANCE_WINDOW_S (${JOIN_AT_S + REBALANCE_WINDOW_S}) so traffic runs through the whole rebalance`);
}

const originFetchesDuringRebalance = new Counter('origin_fetches_during_rebalance');
const edgesJoined = new Counter('edges_joined');
const rebalanceMeasured = new Counter('rebalance_measured');

export const options: Options = {
  scenarios: {
    traffic: {
      executor: 'constant-arrival-rate',
      exec: 'traffic',
      rate: RATE_PER_S,
      timeUnit: '1s',
      duration: `${DURATION_S}s`,
      preAllocatedVUs: 10,
      maxVUs: 100,
    },
    joiner: {
      executor: 'per-vu-iterations',
      exec: 'joiner',
      vus: 1,
      iterations: 1,
      maxDuration: `${DURATION_S + 30}s`,
    },
  },
  thresholds: {
    origin_fetches_during_rebalance: [`count<=${MAX_ORIGIN_FETCHES}`],
    edges_joined: ['count==1'],
    rebalance_measured: ['count==1'],
    'http_req_failed{scenario:traffic}': ['rate<0.01'],
    'http_req_failed{scenario:joiner,name:scale-object}': ['rate<0.01'],
    'http_req_duration{scenario:traffic}': [`p(95)<${P95_MS}`],
    'checks{scenario:traffic}': ['rate>0.99'],
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

interface SetupData {
  prefix: string;
  joinAtMs: number;
}

function keyPath(prefix: string, key: number): string {
  return `${prefix}/k${key}`;
}

export function setup(): SetupData {
  preflight('scale-out', region, ['token', 'origin', 'edges', 'orchestrator']);
  edgesJoined.add(0);
  rebalanceMeasured.add(0);
  const prefix = envOptional('KEY_PREFIX') ?? `/loadtest/scale-out/${runId()}`;
  // Warm each key once, through edges in turn: its owner fetches it and keeps it for 300 s.
  for (let start = 0; start < KEYS; start += SWEEP_BATCH) {
    const requests = [];
    for (let key = start; key < Math.min(KEYS, start + SWEEP_BATCH); key++) {
      const edge = region.edgeUrls[key % region.edgeUrls.length];
      requests.push({ method: 'GET', url: `${edge}${keyPath(prefix, key)}`, params: { tags: { name: 'warm' } } });
    }
    for (const res of http.batch(requests)) {
      if (res.status !== 200) abortRun('scale-out', `warming ${res.url} failed: ${describeFailure(res)}`);
    }
  }
  console.log(
    `scale-out: ${KEYS} keys under ${prefix} warmed through ${region.edgeUrls.length} edges; ${RATE_PER_S} req/s for ${DURATION_S} s; ` +
      `an edge joins at ${JOIN_AT_S} s; origin fetches allowed in the next ${REBALANCE_WINDOW_S} s: ${MAX_ORIGIN_FETCHES}`,
  );
  return { prefix, joinAtMs: Date.now() + JOIN_AT_S * 1000 };
}

/** Steady reads of the warm keys through the edges that were there from the start. */
export function traffic(data: SetupData): void {
  const i = exec.scenario.iterationInTest;
  const edge = region.edgeUrls[i % region.edgeUrls.length];
  const res = http.get(`${edge}${keyPath(data.prefix, hash32(i) % KEYS)}`, { tags: { name: 'scale-object' } });
  check(res, {
    'status is 200': (r) => r.status === 200,
    'body is version 1': (r) => bodyVersion(r.body) === 1,
  });
}

function originRequestsForKeys(prefix: string): number | undefined {
  const result = originStats(region.originUrl);
  if (!result.ok) {
    console.error(`scale-out: ${result.message}`);
    return undefined;
  }
  return requestsUnder(result.stats, `${prefix}/`);
}

/** At JOIN_AT_S: adds an edge, reads every key through it, and counts what reached the origin meanwhile. */
export function joiner(data: SetupData): void {
  const waitMs = data.joinAtMs - Date.now();
  if (waitMs > 0) sleep(waitMs / 1000);

  const before = originRequestsForKeys(data.prefix);
  if (before === undefined) return;
  const windowEndsMs = Date.now() + REBALANCE_WINDOW_S * 1000;

  const res = http.post(`${region.orchestratorUrl}/edges`, '{}', {
    headers: { ...bearer(region.token), 'Content-Type': 'application/json' },
    tags: { name: 'orchestrator' },
    timeout: '60s',
  });
  let joined: { id?: unknown; url?: unknown } = {};
  try {
    joined = JSON.parse(String(res.body)) as { id?: unknown; url?: unknown };
  } catch {
    // handled below
  }
  if (res.status !== 201 || typeof joined.url !== 'string' || typeof joined.id !== 'string') {
    console.error(`scale-out: POST ${region.orchestratorUrl}/edges: expected 201 {"id","url"}, got ${describeFailure(res)}`);
    return;
  }
  const newEdge = joined.url.replace(/\/+$/, '');
  edgesJoined.add(1);
  console.log(`scale-out: ${joined.id} joined at ${newEdge}`);

  // Every key through the new edge: the ones it now owns must come from their previous owner.
  for (let start = 0; start < KEYS; start += SWEEP_BATCH) {
    const requests = [];
    for (let key = start; key < Math.min(KEYS, start + SWEEP_BATCH); key++) {
      requests.push({ method: 'GET', url: `${newEdge}${keyPath(data.prefix, key)}`, params: { tags: { name: 'scale-object' } } });
    }
    for (const sweep of http.batch(requests)) {
      check(sweep, { 'new edge answers 200': (r) => r.status === 200 });
    }
  }

  const restMs = windowEndsMs - Date.now();
  if (restMs > 0) sleep(restMs / 1000);
  const after = originRequestsForKeys(data.prefix);
  if (after === undefined) return;
  const fetched = after - before;
  originFetchesDuringRebalance.add(fetched);
  rebalanceMeasured.add(1);
  console.log(`scale-out: ${fetched} origin requests for the ${KEYS} warm keys in the ${REBALANCE_WINDOW_S} s after the join (allowed ${MAX_ORIGIN_FETCHES})`);
}
