/**
 * deploy/grafana/edgeworks-edges.json reads only metrics a real edge exports: every PromQL
 * expression in its panels and variables is checked against the /metrics text scraped from a
 * cdn-edge binary on loopback. (The control plane has no /metrics on main, so the dashboard
 * uses edge metrics only.) The edge runs with --compress, so its compression counters exist.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { systemClock } from '../../common/adapters/system-clock.js';
import { startOriginServer } from '../../origin/adapters/node-server.js';
import { createOrigin } from '../../origin/handler.js';
import { resolveOriginConfig } from '../../origin/schema.js';
import { exported, metricNames } from './promql-names.js';

const here = dirname(fileURLToPath(import.meta.url));
const dashboardPath = join(here, '../../../deploy/grafana/edgeworks-edges.json');
const bin = join(here, '../../edge/main.js');
const TOKEN = 'dashboard-test-token-0123';

interface Dashboard {
  panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
  templating: { list: Array<{ name: string; query?: unknown }> };
}

function expressions(d: Dashboard): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const p of d.panels) for (const t of p.targets ?? []) out.push([p.title, t.expr]);
  for (const v of d.templating.list) {
    const q = v.query;
    const text = typeof q === 'object' && q !== null ? (q as { query?: string }).query : undefined;
    if (typeof text === 'string' && text.includes('(')) out.push([`variable ${v.name}`, text]);
  }
  return out;
}

test('metricNames: functions, labels, ranges and grouping are not metrics', () => {
  assert.equal(metricNames('histogram_quantile(0.99, sum by (outcome, le) (rate(edge_request_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))'), ['edge_request_duration_seconds_bucket']);
  assert.equal(metricNames('1 - sum(rate(a_total[5m])) / sum(rate(b_total{x="rate(c)"}[5m]))'), ['a_total', 'b_total']);
  assert.equal(metricNames('label_values(edgeworks_build_info{component="edge"}, instance)'), ['edgeworks_build_info', 'instance']);
});

test('exported: samples, or a histogram series of a declared histogram; nothing else', () => {
  const scrape = '# TYPE h histogram\nc_total 3\ng{a="b"} 1\n# TYPE e_total counter\n';
  assert.ok(exported(scrape, 'c_total'));
  assert.ok(exported(scrape, 'g'));
  assert.ok(exported(scrape, 'h_bucket'));
  assert.ok(exported(scrape, 'e_total'));
  assert.not.ok(exported(scrape, 'c_total_bucket'));
  assert.not.ok(exported(scrape, 'c'));
  assert.not.ok(exported(scrape, 'missing_total'));
});

test('every dashboard expression names only metrics a running cdn-edge exports', async () => {
  const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8')) as Dashboard;
  const exprs = expressions(dashboard);
  assert.ok(exprs.length >= 15, `only ${exprs.length} expressions`);
  for (const title of ['Hit ratio', 'Request rate by outcome', 'Request duration p50 by outcome', 'Request duration p99 by outcome', 'Origin offload', 'Purge lag per edge', 'Peer errors', 'Cache bytes', 'Evictions', 'Compressed variants by result', 'Compressions skipped (queue full)']) {
    assert.ok(dashboard.panels.some((p) => p.title === title), `panel ${title}`);
  }

  const origin = await startOriginServer(createOrigin({ clock: systemClock, random: { next: () => 0.5 }, config: resolveOriginConfig({ adminToken: TOKEN }) }), { host: '127.0.0.1', port: 0 });
  // With --compress, as the compression panels need: the edge exports its compression counters only then.
  const child = spawn(process.execPath, [bin, '--origin', origin.url, '--port', '0', '--admin-port', '0', '--admin-token', TOKEN, '--compress', 'gzip,br'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const [edgeUrl, adminUrl] = await new Promise<[string, string]>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const edge = /listening on (http:\/\/\S+)/.exec(out);
        const admin = /admin on (http:\/\/\S+)/.exec(out);
        if (edge !== null && admin !== null) resolve([edge[1]!, admin[1]!]);
      });
      child.once('exit', () => reject(new Error(`edge exited early: ${out}`)));
    });
    // One miss and one hit, so the labelled request histograms have series.
    for (let i = 0; i < 2; i++) await (await request(`${edgeUrl}/dash`)).body.dump();
    const res = await request(`${adminUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.is(res.statusCode, 200);
    const scrape = await res.body.text();
    const missing: string[] = [];
    for (const [where, expr] of exprs) {
      const names = metricNames(expr).filter((n) => n !== 'instance');
      assert.ok(names.length > 0, `${where}: no metric in ${expr}`);
      for (const name of names) if (!exported(scrape, name)) missing.push(`${where}: ${name}`);
    }
    assert.equal(missing, []);
    assert.match(scrape, /edge_request_duration_seconds_bucket\{outcome="hit",protocol="HTTP\/1\.1",le="\+Inf"\} 1/);
  } finally {
    child.kill('SIGTERM');
    await exited;
    await origin.close();
  }
});

test.run();
