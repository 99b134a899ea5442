/**
 * Issue 18's compression in the simulator: edges run with `edge.compress` (the binary's
 * --compress) and clients send the scenario's Accept-Encoding mix. The coded answers carry the
 * origin's bytes (every checker reads their version after decoding), one origin fetch per object
 * still serves every coding, and scenarios without the new fields draw nothing new.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RequestRecord } from '../../sim/history.js';
import { runScenario, type RunReport } from '../../sim/run.js';
import { loadScenario, parseScenario, ScenarioError, type Scenario } from '../../sim/scenario/schema.js';

const FILE = 'sim/scenarios/compression-browser-mix.json';

async function run(scenario: Scenario): Promise<{ report: RunReport; clients: RequestRecord[] }> {
  const clients: RequestRecord[] = [];
  const report = await runScenario(scenario, {
    seed: 1,
    traceLine: (line) => {
      if (!line.includes('"role":"client"')) return;
      const r = JSON.parse(line) as RequestRecord;
      if (r.type === 'request') clients.push(r);
    },
  });
  assert.is(report.crash, undefined, report.crash);
  return { report, clients };
}

test('compression-browser-mix: every checker passes on coded answers; br and gzip both served; every 200 carries its version', async () => {
  const { report, clients } = await run(loadScenario(FILE));
  for (const v of report.verdicts) assert.ok(v.ok, `${v.name}: ${v.examples.join(' / ')}`);
  assert.is(report.summary.errors, 0);
  const ok = clients.filter((r) => r.status === 200);
  const coded = (c: string) => ok.filter((r) => r.coding === c).length;
  // The mix is 95% br-capable and 5% gzip-only; every origin body is text/plain of at least 2 KiB.
  assert.ok(coded('br') > 0.8 * ok.length, `br answers: ${coded('br')} of ${ok.length}`);
  assert.ok(coded('gzip') > 0, 'gzip-only clients got gzip');
  assert.equal(ok.filter((r) => r.version === undefined).map((r) => r.key), [], 'every 200 decodes to a body with its version headline');
});

test('one origin fetch per object serves every coding: origin requests as without compression', async () => {
  const scenario = loadScenario(FILE);
  const plain = structuredClone(scenario);
  delete plain.edge.compress;
  delete plain.workload.acceptEncoding;
  const compressed = await run(scenario);
  const identity = await run(plain);
  assert.ok(identity.clients.every((r) => r.coding === undefined));
  const c = compressed.report.summary;
  const i = identity.report.summary;
  assert.ok(c.originRequests <= i.originRequests * 1.05, `origin requests: ${c.originRequests} with compression, ${i.originRequests} without`);
  assert.ok(c.hitRatio >= 0.95 * i.hitRatio, `hit ratio: ${c.hitRatio} with compression, ${i.hitRatio} without`);
});

test('a bad compress or acceptEncoding field is one line naming it', () => {
  const base = JSON.parse(JSON.stringify(loadScenario(FILE))) as Record<string, Record<string, unknown>>;
  for (const [patch, field] of [
    [{ edge: { compress: ['zstd'] } }, /edge\.compress\.0/],
    [{ workload: { acceptEncoding: [{ value: 'gzip', weight: 0 }] } }, /workload\.acceptEncoding\.0\.weight/],
  ] as const) {
    const input = { ...base, ...Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, { ...base[k], ...v }])) };
    try {
      parseScenario(input);
      assert.unreachable(`accepted ${JSON.stringify(patch)}`);
    } catch (err) {
      assert.instance(err, ScenarioError);
      assert.match((err as Error).message, field);
      assert.not.match((err as Error).message, /\n/);
    }
  }
});

test.run();
