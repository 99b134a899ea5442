/**
 * purge-under-load: steady traffic over a hot key set while a purger changes objects at the origin
 * and purges them through the control plane.
 *
 * Proves the purge receipt means what it says: once `GET /purges/:id` reports the purge complete,
 * no edge serves the old version of that object any more. Each purger iteration reads the object
 * through every edge (so it is cached everywhere it can be), bumps its version at the origin
 * (`POST /_admin/version`), submits a `url` purge (`POST /purges`), polls the receipt until it leaves
 * 'pending', then reads the object through every edge again. Any body whose `version=` is older
 * than the bumped one adds to `stale_after_receipt`, which must stay at zero.
 *
 *   k6 run loadtests/purge-under-load.ts                (npm run loadtest -- purge-under-load)
 */
import http from 'k6/http';
import exec from 'k6/execution';
import { check, sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { awaitReceipt, submitPurge } from './lib/control.ts';
import { envInteger, envOptional } from './lib/env.ts';
import { bumpVersion } from './lib/origin.ts';
import { preflight } from './lib/preflight.ts';
import { authorityOf, loadRegion, readOptionalFile, REGION_FILE, runId } from './lib/region.ts';
import { bodyVersion, describeFailure } from './lib/response.ts';
import { hash32 } from './lib/zipf.ts';

const region = loadRegion(readOptionalFile(() => open(REGION_FILE)));

const RATE_PER_S = envInteger('RATE_PER_S', 100, 1);
const DURATION_S = envInteger('DURATION_S', 60, 10);
const HOT_KEYS = envInteger('HOT_KEYS', 20, 1);
const PURGES = envInteger('PURGES', 12, 1);
const PURGE_INTERVAL_MS = envInteger('PURGE_INTERVAL_MS', 2000, 0);
const RECEIPT_TIMEOUT_MS = envInteger('RECEIPT_TIMEOUT_MS', 10000, 100);
const RECEIPT_POLL_MS = envInteger('RECEIPT_POLL_MS', 50, 10);
const RECEIPT_P95_MS = envInteger('RECEIPT_P95_MS', 2000, 1);
const P95_MS = envInteger('P95_MS', 100, 1);
/** The authority edges use in cache keys (keyHost=origin); the purge value is `<authority><path>`. */
const PURGE_HOST = envOptional('PURGE_HOST') ?? authorityOf(region.originUrl);

const staleAfterReceipt = new Counter('stale_after_receipt');
const purgesCompleted = new Counter('purges_completed');
const purgeFailures = new Counter('purge_failures');
const receiptMs = new Trend('purge_receipt_ms', true);

export const options: Options = {
  scenarios: {
    traffic: {
      executor: 'constant-arrival-rate',
      exec: 'traffic',
      rate: RATE_PER_S,
      timeUnit: '1s',
      duration: `${DURATION_S}s`,
      preAllocatedVUs: 10,
      maxVUs: 50,
    },
    purger: {
      executor: 'per-vu-iterations',
      exec: 'purger',
      vus: 1,
      iterations: PURGES,
      // Traffic warms the keys first.
      startTime: '5s',
      maxDuration: `${DURATION_S}s`,
    },
  },
  thresholds: {
    stale_after_receipt: ['count==0'],
    purges_completed: [`count>=${PURGES}`],
    purge_failures: ['count==0'],
    purge_receipt_ms: [`p(95)<${RECEIPT_P95_MS}`],
    'http_req_failed{scenario:traffic}': ['rate<0.01'],
    'http_req_duration{scenario:traffic}': [`p(95)<${P95_MS}`],
    'checks{scenario:traffic}': ['rate>0.99'],
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

interface SetupData {
  prefix: string;
}

function keyPath(prefix: string, index: number): string {
  return `${prefix}/k${index}`;
}

export function setup(): SetupData {
  preflight('purge-under-load', region, ['token', 'origin', 'edges', 'control']);
  staleAfterReceipt.add(0);
  purgesCompleted.add(0);
  purgeFailures.add(0);
  const prefix = envOptional('KEY_PREFIX') ?? `/loadtest/purge/${runId()}`;
  console.log(
    `purge-under-load: ${RATE_PER_S} req/s over ${HOT_KEYS} keys under ${prefix} for ${DURATION_S} s; ` +
      `${PURGES} url purges of ${PURGE_HOST}${prefix}/k*, receipt timeout ${RECEIPT_TIMEOUT_MS} ms`,
  );
  return { prefix };
}

/** Background load: hot keys through every edge; bodies may be any version while purges race. */
export function traffic(data: SetupData): void {
  const i = exec.scenario.iterationInTest;
  const key = hash32(i) % HOT_KEYS;
  const edge = region.edgeUrls[i % region.edgeUrls.length];
  const res = http.get(`${edge}${keyPath(data.prefix, key)}`, { tags: { name: 'purge-object' } });
  check(res, {
    'status is 200': (r) => r.status === 200,
    'body has a version': (r) => bodyVersion(r.body) !== undefined,
  });
}

/** Reads `path` through every edge; the version each served, undefined where the read failed. */
function readEverywhere(path: string, phase: string): Array<{ edge: string; version: number | undefined; status: number; detail: string }> {
  const responses = http.batch(
    region.edgeUrls.map((edge) => ({ method: 'GET', url: `${edge}${path}`, params: { tags: { name: 'purge-check', phase } } })),
  );
  return responses.map((res, i) => ({
    edge: region.edgeUrls[i] ?? '?',
    version: res.status === 200 ? bodyVersion(res.body) : undefined,
    status: res.status,
    detail: res.status === 200 ? '' : describeFailure(res),
  }));
}

export function purger(data: SetupData): void {
  const iteration = exec.vu.iterationInScenario;
  const path = keyPath(data.prefix, iteration % HOT_KEYS);

  // 1. Make sure every edge has had a chance to cache the current version.
  readEverywhere(path, 'before');

  // 2. A new version at the origin: cached copies are now out of date.
  const bumped = bumpVersion(region.originUrl, region.token, path);
  if (!bumped.ok) {
    purgeFailures.add(1);
    console.error(`purge-under-load: ${bumped.message}`);
    return;
  }

  // 3. Purge through the control plane and wait for the receipt.
  const submitted = submitPurge(region.controlUrl, region.token, 'url', [`${PURGE_HOST}${path}`]);
  if (!submitted.ok) {
    purgeFailures.add(1);
    console.error(`purge-under-load: ${submitted.message}`);
    return;
  }
  const receipt = awaitReceipt(region.controlUrl, region.token, submitted.id, RECEIPT_TIMEOUT_MS, RECEIPT_POLL_MS);
  if (!receipt.ok) {
    purgeFailures.add(1);
    console.error(`purge-under-load: ${receipt.message}`);
    return;
  }
  receiptMs.add(receipt.waitedMs);
  purgesCompleted.add(1);

  // 4. After the receipt, no edge may serve anything older than the bumped version.
  for (const read of readEverywhere(path, 'after-receipt')) {
    if (read.version === undefined) {
      // Unverifiable is a failure too: a purge must not leave an edge unable to answer.
      purgeFailures.add(1);
      console.error(`purge-under-load: ${read.edge}${path} after receipt ${submitted.id}: ${read.detail || `HTTP ${read.status}, no version line`}`);
      continue;
    }
    const fresh = read.version >= bumped.version;
    staleAfterReceipt.add(fresh ? 0 : 1);
    if (!fresh) {
      console.error(
        `purge-under-load: ${read.edge}${path} served version ${read.version} after receipt ${submitted.id} ` +
          `(${receipt.receipt.state}) for version ${bumped.version}`,
      );
    }
  }
  if (PURGE_INTERVAL_MS > 0) sleep(PURGE_INTERVAL_MS / 1000);
}
