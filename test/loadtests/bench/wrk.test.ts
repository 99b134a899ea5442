/** Parsing what wrk prints, and the Lua script and command line the harness gives it. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatResultLine, parseResultLine, requestsPerSecond, type GeneratorResult } from '../../../loadtests/bench/result-line.js';
import { allPaths, sequenceIndex } from '../../../loadtests/bench/url-set.js';
import { parseDurationUs, parseWrkSummary, wrkArgs, wrkScript } from '../../../loadtests/bench/wrk.js';

/** Captured from wrk 4.1.0 (Debian) with --latency and the harness's Lua script. */
const WRK_OUTPUT = `Running 1s test @ http://127.0.0.1:18001/h/0
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.92ms    1.10ms  20.13ms   93.62%
    Req/Sec    13.02k     3.62k   15.93k    80.00%
  Latency Distribution
     50%  580.00us
     75%    0.93ms
     90%    1.49ms
     99%    4.92ms
  12987 requests in 1.00s, 16.10MB read
  Socket errors: connect 0, read 3, write 1, timeout 7
  Non-2xx or 3xx responses: 12
Requests/sec:  12952.52
Transfer/sec:     16.06MB
BENCH_RESULT requests=12987 duration_us=1002662 bytes=16883100 p50_us=580 p90_us=1488 p99_us=4923 max_us=20128 mean_us=924.6 errors_connect=0 errors_read=3 errors_write=1 errors_status=12 errors_timeout=7
`;

const DURATIONS: Array<[string, number]> = [
  ['580.00us', 580],
  ['0.93ms', 930],
  ['1.49ms', 1490],
  ['20.13ms', 20_130],
  ['2.00s', 2_000_000],
  ['1.50m', 90_000_000],
  ['7us', 7],
];

for (const [text, us] of DURATIONS) {
  test(`parseDurationUs: ${text} is ${us} us`, () => {
    assert.ok(Math.abs(parseDurationUs(text) - us) < 1e-6, `${parseDurationUs(text)}`);
  });
}

test('parseDurationUs: rejects text without a unit', () => {
  assert.throws(() => parseDurationUs('12.5'));
  assert.throws(() => parseDurationUs('ms'));
});

test('parseWrkSummary: requests/sec, average, distribution in us, errors', () => {
  const s = parseWrkSummary(WRK_OUTPUT);
  assert.is(s.requestsPerSec, 12952.52);
  assert.ok(Math.abs(s.latencyUsAvg! - 920) < 1e-6);
  const d = s.latencyDistributionUs;
  assert.equal(Object.keys(d).sort(), ['50', '75', '90', '99']);
  assert.ok(Math.abs(d['50']! - 580) < 1e-6);
  assert.ok(Math.abs(d['75']! - 930) < 1e-6);
  assert.ok(Math.abs(d['99']! - 4920) < 1e-6);
  assert.is(s.non2xx3xx, 12);
  assert.equal(s.socketErrors, { connect: 0, read: 3, write: 1, timeout: 7 });
});

test('parseWrkSummary: a clean run has zero errors and no distribution without --latency', () => {
  const s = parseWrkSummary('Running 1s test @ http://127.0.0.1:1/\n    Latency   631.81us  120.00us   2.00s   90.00%\nRequests/sec:   100.00\n');
  assert.is(s.requestsPerSec, 100);
  assert.ok(Math.abs(s.latencyUsAvg! - 631.81) < 1e-6);
  assert.equal(s.latencyDistributionUs, {});
  assert.is(s.non2xx3xx, 0);
  assert.equal(s.socketErrors, { connect: 0, read: 0, write: 0, timeout: 0 });
});

test('parseResultLine: the Lua done() line, percentiles in microseconds', () => {
  const r = parseResultLine(WRK_OUTPUT)!;
  assert.is(r.requests, 12987);
  assert.is(r.durationUs, 1002662);
  assert.is(r.latencyUsP50, 580);
  assert.is(r.latencyUsP90, 1488);
  assert.is(r.latencyUsP99, 4923);
  assert.is(r.latencyUsMax, 20128);
  assert.is(r.latencyUsMean, 924.6);
  assert.is(r.errorsStatus, 12);
  assert.ok(Math.abs(requestsPerSecond(r) - 12987 / 1.002662) < 1e-6);
});

test('parseResultLine: absent is undefined, malformed or incomplete throws', () => {
  assert.is(parseResultLine('Requests/sec: 1\n'), undefined);
  assert.throws(() => parseResultLine('BENCH_RESULT requests=abc'));
  assert.throws(() => parseResultLine('BENCH_RESULT requests=1 duration_us=2'), /lacks/);
});

test('formatResultLine round-trips through parseResultLine', () => {
  const r: GeneratorResult = {
    requests: 10,
    durationUs: 1_000_000,
    bytes: 10_240,
    latencyUsP50: 100,
    latencyUsP90: 200,
    latencyUsP99: 300,
    latencyUsMax: 400,
    latencyUsMean: 123.4,
    errorsConnect: 0,
    errorsRead: 1,
    errorsWrite: 0,
    errorsStatus: 2,
    errorsTimeout: 0,
  };
  assert.equal(parseResultLine(`noise\n${formatResultLine(r)}\nmore noise\n`), r);
  assert.is(requestsPerSecond(r), 10);
  assert.is(requestsPerSecond({ ...r, durationUs: 0 }), 0);
});

test('wrkScript: a single URL uses wrk\'s static request and still reports percentiles', () => {
  const lua = wrkScript({ kind: 'single', path: '/one' });
  assert.not.match(lua, /function request\(/);
  assert.match(lua, /function done\(summary, latency, requests\)/);
  assert.match(lua, /latency:percentile\(99\)/);
  assert.match(lua, /BENCH_RESULT requests=%d/);
});

test('wrkScript: a hot set pre-formats every URL and strides through them', () => {
  const lua = wrkScript({ kind: 'hot', prefix: '/hot/', suffix: '?size=10', count: 10_000 });
  assert.match(lua, /local count = 10000/);
  assert.match(lua, /local stride = 7919/);
  assert.match(lua, /wrk\.format\("GET", "\/hot\/" \.\. k \.\. "\?size=10"\)/);
  assert.match(lua, /function request\(\)/);
});

test('sequenceIndex: one lap of the stride visits every URL exactly once', () => {
  for (const count of [1, 2, 100, 7919, 10_000]) {
    const seen = new Set<number>();
    for (let k = 0; k < count; k++) seen.add(sequenceIndex(count, 3 % count, k));
    assert.is(seen.size, count, `count ${count}`);
  }
});

test('allPaths: single and hot sets', () => {
  assert.equal(allPaths({ kind: 'single', path: '/x?size=5' }), ['/x?size=5']);
  assert.equal(allPaths({ kind: 'hot', prefix: '/h/', suffix: '', count: 3 }), ['/h/0', '/h/1', '/h/2']);
});

test('wrkArgs: one thread, connections, duration, latency, script, first URL', () => {
  const args = wrkArgs({ baseUrl: 'http://127.0.0.1:9', set: { kind: 'hot', prefix: '/h/', suffix: '', count: 5 }, connections: 50, threads: 1, durationSeconds: 10, scriptPath: '/tmp/x.lua' });
  assert.equal(args, ['-t1', '-c50', '-d10s', '--timeout', '5s', '--latency', '-s', '/tmp/x.lua', 'http://127.0.0.1:9/h/0']);
});

test.run();
