import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { h2loadArgs, parseH2load } from '../../../loadtests/bench/h2load.js';

const SAMPLE = `starting benchmark...
spawning thread #0: 10 total client(s). Timing-based test with 1s warm-up time and 10s main duration
Warm-up started for thread #0.

finished in 11.00s, 41234.50 req/s, 44.12MB/s
requests: 412345 total, 412445 started, 412345 done, 412300 succeeded, 45 failed, 0 errored, 0 timeout
status codes: 412300 2xx, 0 3xx, 0 4xx, 45 5xx
`;

test('parseH2load reads the rate and the request counts', () => {
  assert.equal(parseH2load(SAMPLE), { requestsPerSec: 41234.5, succeeded: 412300, failed: 45, errored: 0 });
});

test('parseH2load: output without a summary (h2load failed to connect) is undefined, not zero', () => {
  assert.is(parseH2load('starting benchmark...\nNo protocol negotiated. Aborted.\n'), undefined);
});

test('h2loadArgs: clients, streams per client, a timed run after a warm-up', () => {
  assert.equal(h2loadArgs('https://127.0.0.1:1/x', { clients: 10, streams: 100, seconds: 10, threads: 1 }), ['-c', '10', '-m', '100', '-t', '1', '-D', '10s', '--warm-up-time=1s', 'https://127.0.0.1:1/x']);
});

test.run();
