#!/usr/bin/env node
/**
 * Fallback load generator when wrk is unavailable: an undici Pool with N keep-alive connections,
 * pipelining 1, one request loop per connection for a fixed time. Prints the same BENCH_RESULT
 * line as wrk's Lua done(). It is a JavaScript client on one CPU, so it may well be the limit;
 * the harness labels its numbers accordingly.
 *
 *   node dist/loadtests/bench/node-generator.js --url http://127.0.0.1:P --path /one --connections 50 --seconds 10
 *   node dist/loadtests/bench/node-generator.js --url http://127.0.0.1:P --prefix /hot/ --count 10000 ...
 */
import { createHistogram } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { formatResultLine } from './result-line.js';
import { sequenceIndex, pathAt, type UrlSet } from './url-set.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      path: { type: 'string' },
      prefix: { type: 'string' },
      suffix: { type: 'string', default: '' },
      count: { type: 'string' },
      connections: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '10' },
    },
  });
  if (values.url === undefined || !values.url.startsWith('http://127.0.0.1:')) throw new Error('--url http://127.0.0.1:PORT is required');
  const set: UrlSet =
    values.prefix !== undefined
      ? { kind: 'hot', prefix: values.prefix, suffix: values.suffix ?? '', count: Number(values.count ?? '1') }
      : { kind: 'single', path: values.path ?? '/' };
  const connections = Number(values.connections);
  const durationMs = Number(values.seconds) * 1000;
  const count = set.kind === 'hot' ? set.count : 1;

  const pool = new Pool(values.url, { connections, pipelining: 1 });
  const histogram = createHistogram();
  let requests = 0;
  let bytes = 0;
  let errorsStatus = 0;
  let errorsRead = 0;
  let k = 0;
  const startNs = process.hrtime.bigint();
  const deadlineNs = startNs + BigInt(durationMs) * 1_000_000n;

  const loop = async (loopIndex: number): Promise<void> => {
    const offset = (loopIndex * 1009) % count;
    while (process.hrtime.bigint() < deadlineNs) {
      const path = pathAt(set, sequenceIndex(count, offset, k++));
      const t0 = process.hrtime.bigint();
      try {
        const res = await pool.request({ path, method: 'GET' });
        for await (const chunk of res.body) bytes += (chunk as Buffer).length;
        if (res.statusCode >= 400) errorsStatus++;
      } catch {
        errorsRead++;
        continue;
      }
      histogram.record(Math.max(1, Number(process.hrtime.bigint() - t0)));
      requests++;
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, i) => loop(i)));
  const durationUs = Number(process.hrtime.bigint() - startNs) / 1000;
  await pool.close();
  const us = (ns: number): number => Math.round(ns / 1000);
  process.stdout.write(
    `${formatResultLine({
      requests,
      durationUs: Math.round(durationUs),
      bytes,
      latencyUsP50: us(histogram.percentile(50)),
      latencyUsP90: us(histogram.percentile(90)),
      latencyUsP99: us(histogram.percentile(99)),
      latencyUsMax: us(histogram.max),
      latencyUsMean: Math.round(histogram.mean / 100) / 10,
      errorsConnect: 0,
      errorsRead,
      errorsWrite: 0,
      errorsStatus,
      errorsTimeout: 0,
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`node-generator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
