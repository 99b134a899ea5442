/** The peers' committed configs render with every placeholder filled; rounds and ratios over N servers. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserRequestFields } from '../../../loadtests/bench/browser-headers.js';
import { medianP99Ratio, medianRatio, roundOrder, roundP99Ratios, roundRatios, type CaseRun } from '../../../loadtests/bench/hit-path.js';
import type { LoadRun } from '../../../loadtests/bench/load.js';
import { allocatedBytes, renderTemplate } from '../../../loadtests/bench/peers.js';
import { wrkScript } from '../../../loadtests/bench/wrk.js';

const CONFIG_DIR = join(process.cwd(), 'loadtests', 'bench', 'peers');

test('renderTemplate: fills every placeholder; a missing value or an unused one is an error', () => {
  assert.is(renderTemplate('listen {{PORT}}; root {{PREFIX}}/x;', { PORT: '81', PREFIX: '/tmp/a' }), 'listen 81; root /tmp/a/x;');
  assert.throws(() => renderTemplate('listen {{PORT}};', {}), /PORT/);
  assert.throws(() => renderTemplate('listen 80;', { PORT: '81' }), /no placeholder for PORT/);
});

test('the committed nginx config: one worker, access log off, keepalive_requests >= 100,000, proxy_cache, loopback', () => {
  const conf = renderTemplate(readFileSync(join(CONFIG_DIR, 'nginx.conf'), 'utf8'), { PREFIX: '/p', CACHE_DIR: '/dev/shm/c', ORIGIN: '127.0.0.1:8000', PORT: '8123' });
  assert.match(conf, /^worker_processes 1;$/m);
  assert.match(conf, /^\s*access_log off;$/m);
  const keepalive = /keepalive_requests (\d+);/.exec(conf);
  assert.ok(keepalive !== null && Number(keepalive[1]) >= 100_000);
  assert.match(conf, /proxy_cache_path \/dev\/shm\/c /);
  assert.match(conf, /listen 127\.0\.0\.1:8123;/);
  assert.match(conf, /server 127\.0\.0\.1:8000;/);
});

test('the committed Varnish VCL points at the origin port and drops Cookie', () => {
  const vcl = renderTemplate(readFileSync(join(CONFIG_DIR, 'varnish.vcl'), 'utf8'), { ORIGIN_PORT: '8000' });
  assert.match(vcl, /\.port = "8000";/);
  assert.match(vcl, /unset req\.http\.Cookie;/);
});

test('allocatedBytes: counts the blocks of files in nested directories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peers-test-'));
  try {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'a', 'b', 'f'), Buffer.alloc(10_000, 1));
    writeFileSync(join(dir, 'g'), Buffer.alloc(5_000, 1));
    const n = allocatedBytes(dir);
    assert.ok(n >= 15_000 && n < 15_000 + 3 * 4096 * 4, `got ${n}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('browser-like requests: about 15 fields and about 800 bytes, User-Agent and Cookie vary', () => {
  const fields = browserRequestFields(0, '127.0.0.1:8080');
  assert.ok(fields.length >= 14 && fields.length <= 16, `${fields.length} fields`);
  const bytes = fields.reduce((n, [k, v]) => n + k.length + 2 + v.length + 2, 0) + 'GET /bench/hot/1234 HTTP/1.1\r\n\r\n'.length;
  assert.ok(bytes >= 700 && bytes <= 900, `${bytes} bytes`);
  const ua = new Set<string>();
  const cookies = new Set<string>();
  for (let k = 0; k < 100; k++) {
    const f = new Map(browserRequestFields(k, 'h'));
    ua.add(f.get('User-Agent')!);
    cookies.add(f.get('Cookie')!);
  }
  assert.ok(ua.size >= 10 && cookies.size >= 50);
  const lua = wrkScript({ kind: 'hot', prefix: '/hot/', suffix: '', count: 10 }, 'browser');
  assert.match(lua, /browserHeaders\(k\)\)/);
  assert.match(lua, /h\["Cookie"\] = cookies/);
  assert.throws(() => wrkScript({ kind: 'single', path: '/x' }, 'browser'), /hot set/);
});

const run = (rps: number): LoadRun => ({ requestsPerSec: rps }) as LoadRun;
const CASE = { id: 'x', label: 'x', set: { kind: 'single', path: '/' }, bodyBytes: 1 } as const;
const caseRun = (byTarget: Record<string, number[]>): CaseRun => ({
  case: CASE,
  runs: Object.entries(byTarget).map(([target, xs]) => ({ target: target as 'edge', warmup: run(0), measured: run(0), rounds: xs.map(run), originRequests: 0 })),
});

test('roundRatios / medianRatio: per round, then the median, so one bad round does not move it', () => {
  const r = caseRun({ edge: [100, 90, 10, 120, 110], nginx: [100, 100, 100, 100, 100] });
  assert.equal(roundRatios(r, 'edge', 'nginx'), [1, 0.9, 0.1, 1.2, 1.1]);
  assert.is(medianRatio(r, 'edge', 'nginx'), 1);
  assert.equal(roundRatios(r, 'edge', 'varnish'), []);
  assert.ok(Number.isNaN(medianRatio(r, 'edge', 'varnish')));
  assert.is(medianRatio(caseRun({ edge: [1, 3], nginx: [1, 1] }), 'edge', 'nginx'), 2);
});

test('medianP99Ratio: per-round p99 ratios, so one slow nginx round does not pass a slow edge', () => {
  const withP99 = (ms: number[]): LoadRun[] => ms.map((m) => ({ requestsPerSec: 1, result: { latencyUsP99: m * 1000 } }) as LoadRun);
  const r: CaseRun = {
    case: CASE,
    runs: [
      { target: 'edge', warmup: run(0), measured: run(0), rounds: withP99([5, 5, 5, 7, 6, 6]), originRequests: 0 },
      { target: 'nginx', warmup: run(0), measured: run(0), rounds: withP99([1, 0.5, 1, 10, 1, 2]), originRequests: 0 },
    ],
  };
  assert.equal(roundP99Ratios(r, 'edge', 'nginx'), [5, 10, 5, 0.7, 6, 3]);
  // The worst rounds of each (7 / 10) would say 0.7x.
  assert.is(medianP99Ratio(r, 'edge', 'nginx'), 5);
  assert.ok(Number.isNaN(medianP99Ratio(r, 'edge', 'varnish')));
});

test('roundOrder: every target once per round, first place moves', () => {
  const t = ['edge', 'nginx', 'varnish', 'baseline'];
  const firsts = new Set<string>();
  for (let r = 0; r < 8; r++) {
    const o = roundOrder(t, r);
    assert.equal([...o].sort(), [...t].sort());
    firsts.add(o[0]!);
  }
  assert.is(firsts.size, 4);
});

test.run();
