/**
 * origin-outage: warm objects that allow stale-if-error, then switch the origin to failing mid-test.
 *
 * Proves RFC 5861 stale-if-error across the region: objects are served with
 * `Cache-Control: max-age=5, stale-if-error=600`, so once they go stale during the outage the edges
 * keep answering 200 from cache (Cache-Status `detail=stale-if-error`) instead of passing the
 * origin's errors on. The chaos scenario flips the origin with `POST /_admin/failure` at
 * OUTAGE_AT_S and checks the origin really fails; teardown() switches it back to `{"mode":"ok"}`.
 * Requests are tagged `phase` = before | transition (objects may still be fresh) | outage (every
 * copy is past max-age), and the thresholds look at the outage phase on its own.
 *
 * If a run is killed before teardown, restore the origin by hand:
 *   curl -X POST -H "Authorization: Bearer $TOKEN" -d '{"mode":"ok"}' http://127.0.0.1:8000/_admin/failure
 *
 *   k6 run loadtests/origin-outage.ts                   (npm run loadtest -- origin-outage)
 */
import http from 'k6/http';
import exec from 'k6/execution';
import { check, sleep } from 'k6';
import { Counter, Rate } from 'k6/metrics';
import type { Options } from 'k6/options';
import { isStale } from './lib/cache-status.ts';
import { envInteger, envOptional, envString } from './lib/env.ts';
import { setFailure, type FailureMode } from './lib/origin.ts';
import { abortRun, preflight } from './lib/preflight.ts';
import { loadRegion, readOptionalFile, REGION_FILE, runId } from './lib/region.ts';
import { cacheStatusOf, describeFailure } from './lib/response.ts';
import { hash32 } from './lib/zipf.ts';

const region = loadRegion(readOptionalFile(() => open(REGION_FILE)));

const RATE_PER_S = envInteger('RATE_PER_S', 100, 1);
const DURATION_S = envInteger('DURATION_S', 50, 1);
const KEYS = envInteger('KEYS', 50, 1);
const OUTAGE_AT_S = envInteger('OUTAGE_AT_S', 15, 0);
const MAX_AGE_S = envInteger('MAX_AGE_S', 5, 0);
const STALE_IF_ERROR_S = envInteger('STALE_IF_ERROR_S', 600, 1);
const OUTAGE_MODE = envString('OUTAGE_MODE', 'error') as FailureMode;
const OUTAGE_STATUS = envInteger('OUTAGE_STATUS', 503, 500, 599);
const P95_MS = envInteger('P95_MS', 150, 1);
/** After the switch, copies fetched just before it may still be fresh for up to max-age. */
const OUTAGE_PHASE_AFTER_MS = (MAX_AGE_S + 2) * 1000;

if (OUTAGE_MODE !== 'error' && OUTAGE_MODE !== 'refuse' && OUTAGE_MODE !== 'hang') {
  throw new Error(`OUTAGE_MODE: expected error, refuse or hang, got ${JSON.stringify(OUTAGE_MODE)}`);
}
if (DURATION_S < OUTAGE_AT_S + MAX_AGE_S + 12) {
  throw new Error(`DURATION_S (${DURATION_S}) must leave at least 10 s of outage after OUTAGE_AT_S + MAX_AGE_S + 2 (${OUTAGE_AT_S + MAX_AGE_S + 2})`);
}

const staleServed = new Rate('stale_served');
const outageStarted = new Counter('outage_started');

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
    chaos: {
      executor: 'per-vu-iterations',
      exec: 'chaos',
      vus: 1,
      iterations: 1,
      maxDuration: `${DURATION_S + 30}s`,
    },
  },
  thresholds: {
    'http_req_failed{scenario:traffic}': ['rate<0.01'],
    'http_req_failed{scenario:traffic,phase:outage}': ['rate<0.01'],
    'stale_served{phase:outage}': ['rate>0.9'],
    outage_started: ['count==1'],
    'http_req_duration{scenario:traffic}': [`p(95)<${P95_MS}`],
    'checks{scenario:traffic}': ['rate>0.99'],
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

interface SetupData {
  prefix: string;
  outageAtMs: number;
}

function objectUrl(edge: string, prefix: string, key: number): string {
  return `${edge}${prefix}/k${key}?cc=max-age%3D${MAX_AGE_S},stale-if-error%3D${STALE_IF_ERROR_S}`;
}

export function setup(): SetupData {
  preflight('origin-outage', region, ['token', 'origin', 'edges']);
  outageStarted.add(0);
  // A run killed before its teardown leaves the origin failing; start from a healthy one.
  const healthy = setFailure(region.originUrl, region.token, 'ok');
  if (!healthy.ok) abortRun('origin-outage', healthy.message);

  const prefix = envOptional('KEY_PREFIX') ?? `/loadtest/outage/${runId()}`;
  // Warm every key through every edge: the owner stores it, and each front edge has asked once.
  for (let key = 0; key < KEYS; key++) {
    const responses = http.batch(region.edgeUrls.map((edge) => ({ method: 'GET', url: objectUrl(edge, prefix, key), params: { tags: { name: 'warm' } } })));
    for (const res of responses) {
      if (res.status !== 200) abortRun('origin-outage', `warming ${res.url} failed: ${describeFailure(res)}`);
    }
  }
  console.log(
    `origin-outage: ${KEYS} keys under ${prefix} warmed (max-age=${MAX_AGE_S}, stale-if-error=${STALE_IF_ERROR_S}); ` +
      `${RATE_PER_S} req/s for ${DURATION_S} s; origin switches to '${OUTAGE_MODE}' at ${OUTAGE_AT_S} s`,
  );
  return { prefix, outageAtMs: Date.now() + OUTAGE_AT_S * 1000 };
}

function phaseAt(data: SetupData, nowMs: number): string {
  if (nowMs < data.outageAtMs) return 'before';
  return nowMs < data.outageAtMs + OUTAGE_PHASE_AFTER_MS ? 'transition' : 'outage';
}

export function traffic(data: SetupData): void {
  const i = exec.scenario.iterationInTest;
  const phase = phaseAt(data, Date.now());
  const edge = region.edgeUrls[i % region.edgeUrls.length] ?? '';
  const res = http.get(objectUrl(edge, data.prefix, hash32(i) % KEYS), { tags: { name: 'outage-object', phase }, timeout: '20s' });
  check(res, { 'status is 200': (r) => r.status === 200 }, { phase });
  if (res.status === 200) staleServed.add(isStale(cacheStatusOf(res)), { phase });
}

/** Waits for OUTAGE_AT_S, breaks the origin, and confirms with a direct request that it is broken. */
export function chaos(data: SetupData): void {
  const waitMs = data.outageAtMs - Date.now();
  if (waitMs > 0) sleep(waitMs / 1000);
  const switched = setFailure(region.originUrl, region.token, OUTAGE_MODE, OUTAGE_STATUS);
  if (!switched.ok) {
    console.error(`origin-outage: could not break the origin: ${switched.message}`);
    return;
  }
  const direct = http.get(`${region.originUrl}${data.prefix}/outage-probe`, { tags: { name: 'outage-probe' }, timeout: '3s' });
  if (direct.status === 200) {
    console.error(`origin-outage: the origin still answers 200 after switching to '${OUTAGE_MODE}'`);
    return;
  }
  outageStarted.add(1);
  console.log(`origin-outage: origin is failing ('${OUTAGE_MODE}'; a direct request got ${describeFailure(direct)})`);
}

export function teardown(): void {
  const restored = setFailure(region.originUrl, region.token, 'ok');
  if (restored.ok) console.log('origin-outage: origin restored to {"mode":"ok"}');
  else console.error(`origin-outage: could not restore the origin (${restored.message}); POST {"mode":"ok"} to ${region.originUrl}/_admin/failure by hand`);
}
