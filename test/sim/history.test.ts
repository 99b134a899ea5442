import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { History, type HistoryRecord } from '../../sim/history.js';
import { runScenario } from '../../sim/run.js';
import { loadScenario } from '../../sim/scenario/schema.js';

/** The straightforward trace hash: every line made as its record is added, then sha256 of them all. */
const sha256OfLines = (lines: readonly string[]): string => createHash('sha256').update(lines.map((l) => `${l}\n`).join('')).digest('hex');

test('the trace hash of batched lines is sha256 of the lines made one by one, at any batch boundary', () => {
  // 10,000 records: two full batches and a part, with lines of every length around the boundaries.
  for (const count of [0, 1, 4095, 4096, 4097, 10_000]) {
    const lines: string[] = [];
    const history = new History((l) => lines.push(l));
    for (let i = 0; i < count; i++) {
      const rec: HistoryRecord = i % 7 === 0 ? { type: 'fault', t: i / 3, kind: 'crash', detail: `r1-e${i} é "q"` } : { type: 'purge-applied', t: i + 0.25, node: `r${i % 3}-e1`, seq: i };
      history.add(rec);
    }
    assert.is(lines.length, count);
    assert.is(history.traceHash(), sha256OfLines(lines), `${count} records`);
  }
});

test('observations reach the trace lines and the listeners but not the hash', () => {
  const lines: string[] = [];
  const seen: string[] = [];
  const history = new History((l) => lines.push(l));
  history.listen({ record: (r) => seen.push(r.type) });
  history.add({ type: 'purge-applied', t: 1, node: 'r1-e1', seq: 1 });
  history.observe({ type: 'suspect', t: 2, node: 'r1-e1', peer: 'r1-e2', untilMs: 3 });
  history.add({ type: 'purge-applied', t: 4, node: 'r1-e1', seq: 2 });
  assert.equal(seen, ['purge-applied', 'suspect', 'purge-applied']);
  assert.is(lines.length, 3);
  assert.is(history.traceHash(), sha256OfLines([lines[0]!, lines[2]!]));
});

test('a record changed after it was added changes the hash: the batch reads it late', () => {
  const lines: string[] = [];
  const history = new History((l) => lines.push(l));
  const rec: HistoryRecord = { type: 'purge-applied', t: 1, node: 'r1-e1', seq: 1 };
  history.add(rec);
  rec.seq = 2;
  assert.is.not(history.traceHash(), sha256OfLines(lines));
});

// The whole runs: no listener or world code changes a record after adding it (the hash would
// then differ from the lines made at once), with every record type these scenarios make.
for (const file of ['smoke', 'owner-crash-mid-fill', 'rolling-restart-region']) {
  test(`${file} (seed 1): the trace hash is sha256 of the lines as they were added, and the same without them`, async () => {
    const scenario = loadScenario(`sim/scenarios/${file}.json`);
    const lines: string[] = [];
    const withLines = await runScenario(scenario, { seed: 1, traceLine: (l) => lines.push(l) });
    const without = await runScenario(scenario, { seed: 1 });
    const hashed = lines.filter((l) => !l.startsWith('{"type":"suspect"'));
    assert.ok(hashed.length > 1000);
    assert.is(withLines.traceHash, sha256OfLines(hashed));
    assert.is(without.traceHash, withLines.traceHash);
  });
}

test.run();
