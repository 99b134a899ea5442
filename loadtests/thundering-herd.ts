/**
 * thundering-herd: many VUs ask for the same cold objects at the same instant, through every edge.
 *
 * Proves request collapsing across the region: however many clients arrive together at however
 * many edges, each object is fetched from the origin exactly once (the owner fetches, everyone else
 * waits for it). Objects live under a fresh per-run prefix, so they are cold; the origin is asked to
 * answer slowly (ORIGIN_LATENCY_MS) so the herd piles up while the one fetch is in flight. Rounds
 * start on a shared wall-clock barrier so every VU fires at once. teardown() reads the origin's
 * per-path request counts and the `origin_fetches_over_one` counter must end at zero.
 *
 *   k6 run loadtests/thundering-herd.ts                 (npm run loadtest -- thundering-herd)
 */
import http from 'k6/http';
import exec from 'k6/execution';
import { check, sleep } from 'k6';
import { Counter } from 'k6/metrics';
import type { Options } from 'k6/options';
import type { ObjectBatchRequest } from 'k6/http';
import { envInteger, envOptional } from './lib/env.ts';
import { originStats } from './lib/origin.ts';
import { preflight } from './lib/preflight.ts';
import { loadRegion, readOptionalFile, REGION_FILE, runId } from './lib/region.ts';
import { bodyVersion } from './lib/response.ts';

const region = loadRegion(readOptionalFile(() => open(REGION_FILE)));

const VUS = envInteger('VUS', 100, 1);
const ROUNDS = envInteger('ROUNDS', 8, 1);
const OBJECTS_PER_ROUND = envInteger('OBJECTS_PER_ROUND', 4, 1);
const ROUND_MS = envInteger('ROUND_MS', 2500, 100);
const ORIGIN_LATENCY_MS = envInteger('ORIGIN_LATENCY_MS', 300, 0, 10000);
const P95_MS = envInteger('P95_MS', ORIGIN_LATENCY_MS + 1500, 1);
/** Barrier for round 0, counted from the end of setup(), so every VU is ready when it opens. */
const FIRST_ROUND_DELAY_MS = 1500;

const overOne = new Counter('origin_fetches_over_one');
const objectsChecked = new Counter('herd_objects_checked');
const originFetches = new Counter('herd_origin_fetches');

export const options: Options = {
  scenarios: {
    herd: {
      executor: 'per-vu-iterations',
      vus: VUS,
      iterations: ROUNDS,
      maxDuration: `${Math.ceil((FIRST_ROUND_DELAY_MS + ROUNDS * ROUND_MS) / 1000) + 30}s`,
    },
  },
  thresholds: {
    origin_fetches_over_one: ['count==0'],
    herd_objects_checked: [`count>=${ROUNDS * OBJECTS_PER_ROUND}`],
    'http_req_failed{scenario:herd}': ['rate<0.01'],
    'http_req_duration{scenario:herd}': [`p(95)<${P95_MS}`],
    'checks{scenario:herd}': ['rate>0.99'],
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

interface SetupData {
  prefix: string;
  firstRoundAtMs: number;
}

/** Path of object j of round r (the origin counts requests by path, without the query). */
function objectPath(prefix: string, round: number, j: number): string {
  return `${prefix}/r${round}/o${j}`;
}

export function setup(): SetupData {
  preflight('thundering-herd', region, ['origin', 'edges']);
  // Samples from setup make the thresholds evaluate real numbers even if teardown cannot run.
  overOne.add(0);
  objectsChecked.add(0);
  const prefix = envOptional('KEY_PREFIX') ?? `/loadtest/herd/${runId()}`;
  console.log(
    `thundering-herd: ${VUS} VUs x ${OBJECTS_PER_ROUND} cold objects per round, ${ROUNDS} rounds ${ROUND_MS} ms apart, ` +
      `origin latency ${ORIGIN_LATENCY_MS} ms, ${region.edgeUrls.length} edges, objects under ${prefix}`,
  );
  return { prefix, firstRoundAtMs: Date.now() + FIRST_ROUND_DELAY_MS };
}

export default function (data: SetupData): void {
  const round = exec.vu.iterationInScenario;
  const waitMs = data.firstRoundAtMs + round * ROUND_MS - Date.now();
  if (waitMs > 0) sleep(waitMs / 1000);

  const vu = exec.vu.idInTest;
  const requests: ObjectBatchRequest[] = [];
  for (let j = 0; j < OBJECTS_PER_ROUND; j++) {
    const edge = region.edgeUrls[(vu + j) % region.edgeUrls.length];
    requests.push({
      method: 'GET',
      url: `${edge}${objectPath(data.prefix, round, j)}?latency=${ORIGIN_LATENCY_MS}`,
      params: { tags: { name: 'herd-object' }, timeout: '30s' },
    });
  }
  const responses = http.batch(requests);
  for (const res of responses) {
    check(res, {
      'status is 200': (r) => r.status === 200,
      'body is version 1': (r) => bodyVersion(r.body) === 1,
    });
  }
}

export function teardown(data: SetupData): void {
  const result = originStats(region.originUrl);
  if (!result.ok) {
    console.error(`thundering-herd: cannot read the origin's request counts, so nothing was checked: ${result.message}`);
    return;
  }
  let worst = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (let j = 0; j < OBJECTS_PER_ROUND; j++) {
      const path = objectPath(data.prefix, round, j);
      const fetches = result.stats.paths[path] ?? 0;
      objectsChecked.add(1);
      originFetches.add(fetches);
      if (fetches > 1) {
        overOne.add(fetches - 1);
        console.error(`thundering-herd: ${path} was fetched from the origin ${fetches} times (expected once for the region)`);
      } else if (fetches === 0) {
        console.warn(`thundering-herd: ${path} never reached the origin; did every request for it fail?`);
      }
      worst = Math.max(worst, fetches);
    }
  }
  console.log(`thundering-herd: ${ROUNDS * OBJECTS_PER_ROUND} objects checked; most origin fetches of any object: ${worst}`);
}

