import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeRuns, type LoadRun } from '../../../loadtests/bench/load.js';

function run(requests: number, seconds: number, p99Us: number, serverCpu: number): LoadRun {
  return {
    result: {
      requests,
      durationUs: seconds * 1e6,
      bytes: requests * 100,
      latencyUsP50: p99Us / 2,
      latencyUsP90: p99Us / 1.5,
      latencyUsP99: p99Us,
      latencyUsMax: p99Us * 2,
      latencyUsMean: p99Us / 2,
      errorsConnect: 0,
      errorsRead: 0,
      errorsWrite: 0,
      errorsStatus: requests === 0 ? 1 : 0,
      errorsTimeout: 0,
    },
    requestsPerSec: requests / seconds,
    wrkSummary: undefined,
    serverCpuPercent: serverCpu,
    generatorCpuPercent: 50,
    serverCore: { busyPercent: serverCpu, softirqPercent: 1, stealPercent: 0 },
    wallMs: seconds * 1000,
  };
}

test('rounds merge into total requests over total time, not a mean of rates', () => {
  const merged = mergeRuns([run(100_000, 1, 1000, 90), run(300_000, 3, 2000, 100)]);
  assert.is(merged.result.requests, 400_000);
  assert.is(merged.requestsPerSec, 100_000);
  assert.is(merged.wallMs, 4000);
});

test('the worst round sets the merged percentiles; CPU shares are weighted by wall time', () => {
  const merged = mergeRuns([run(100_000, 1, 1000, 60), run(300_000, 3, 2500, 100)]);
  assert.is(merged.result.latencyUsP99, 2500);
  assert.is(merged.serverCpuPercent, 90);
  assert.is(merged.serverCore!.busyPercent, 90);
  assert.is(merged.result.latencyUsMean, (100_000 * 500 + 300_000 * 1250) / 400_000);
});

test('errors of every round add up; one round is returned as it is; no rounds is an error', () => {
  assert.is(mergeRuns([run(0, 1, 10, 1), run(0, 1, 10, 1), run(5, 1, 10, 1)]).result.errorsStatus, 2);
  const one = run(10, 1, 10, 1);
  assert.is(mergeRuns([one]), one);
  assert.throws(() => mergeRuns([]), /no runs/);
});

test.run();
