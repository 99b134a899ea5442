/**
 * hit-ratio: Zipf-popular keys at a constant arrival rate, spread over every edge of the region.
 *
 * Proves that the region acts as one cache: each key is fetched from the origin about once, so the
 * share of answers that some member of the region served from cache (Cache-Status `hit` on the
 * front edge, the owner or a hot copy) stays close to the best a cold, never-evicting cache could
 * do for exactly this sequence of keys. The key sequence is a pure function of SEED, so that ideal
 * is computed before the run and the threshold sits HIT_RATIO_TOLERANCE below it.
 *
 *   k6 run loadtests/hit-ratio.ts                       (npm run loadtest -- hit-ratio)
 *   k6 run -e RATE_PER_S=400 -e DURATION_S=30 loadtests/hit-ratio.ts
 */
import http from 'k6/http';
import exec from 'k6/execution';
import { check } from 'k6';
import { Rate } from 'k6/metrics';
import type { Options } from 'k6/options';
import { isRegionHit } from './lib/cache-status.ts';
import { envInteger, envNumber, envOptional } from './lib/env.ts';
import { preflight } from './lib/preflight.ts';
import { loadRegion, readOptionalFile, REGION_FILE, runId } from './lib/region.ts';
import { cacheStatusOf, header } from './lib/response.ts';
import { idealHitRatio, ZipfSampler } from './lib/zipf.ts';

const region = loadRegion(readOptionalFile(() => open(REGION_FILE)));

const RATE_PER_S = envInteger('RATE_PER_S', 200, 1);
const DURATION_S = envInteger('DURATION_S', 60, 1);
const KEYS = envInteger('KEYS', 1000, 1);
const ZIPF_EXPONENT = envNumber('ZIPF_EXPONENT', 1.0, 0, 5);
const SEED = envInteger('SEED', 1, 0, 2147483647);
const HIT_RATIO_TOLERANCE = envNumber('HIT_RATIO_TOLERANCE', 0.05, 0, 1);
const P95_MS = envNumber('P95_MS', 100, 1);
const P99_MS = envNumber('P99_MS', 250, 1);

const sampler = new ZipfSampler(KEYS, ZIPF_EXPONENT);
/** The hit ratio of a perfect region (one origin fetch per key) for this exact key sequence. */
const IDEAL_HIT_RATIO = idealHitRatio(sampler, SEED, RATE_PER_S * DURATION_S);
const MIN_HIT_RATIO = envNumber('MIN_HIT_RATIO', Math.max(0, IDEAL_HIT_RATIO - HIT_RATIO_TOLERANCE), 0, 1);

const cacheHits = new Rate('cache_hits');

export const options: Options = {
  scenarios: {
    zipf: {
      executor: 'constant-arrival-rate',
      rate: RATE_PER_S,
      timeUnit: '1s',
      duration: `${DURATION_S}s`,
      preAllocatedVUs: 20,
      maxVUs: 100,
    },
  },
  thresholds: {
    'http_req_failed{scenario:zipf}': ['rate<0.01'],
    'http_req_duration{scenario:zipf}': [`p(95)<${P95_MS}`, `p(99)<${P99_MS}`],
    cache_hits: [`rate>${MIN_HIT_RATIO.toFixed(4)}`],
    'checks{scenario:zipf}': ['rate>0.99'],
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

interface SetupData {
  prefix: string;
}

export function setup(): SetupData {
  preflight('hit-ratio', region, ['edges']);
  // A fresh prefix per run makes every key cold, so the ideal ratio above is the right yardstick.
  const prefix = envOptional('KEY_PREFIX') ?? `/loadtest/hit-ratio/${runId()}`;
  console.log(
    `hit-ratio: ${RATE_PER_S} req/s for ${DURATION_S} s over ${region.edgeUrls.length} edges; ${KEYS} keys under ${prefix}, ` +
      `Zipf exponent ${ZIPF_EXPONENT}, seed ${SEED}; ideal hit ratio ${IDEAL_HIT_RATIO.toFixed(4)}, threshold > ${MIN_HIT_RATIO.toFixed(4)}`,
  );
  return { prefix };
}

export default function (data: SetupData): void {
  const draw = exec.scenario.iterationInTest;
  const rank = sampler.rankAt(SEED, draw);
  const edge = region.edgeUrls[draw % region.edgeUrls.length];
  const res = http.get(`${edge}${data.prefix}/k${rank}`, { tags: { name: 'zipf-object' } });
  check(res, {
    'status is 200': (r) => r.status === 200,
    'has Cache-Status': (r) => header(r, 'cache-status') !== undefined,
  });
  if (res.status === 200) cacheHits.add(isRegionHit(cacheStatusOf(res)));
}
