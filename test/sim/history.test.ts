import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { History, type HistoryRecord } from '../../sim/history.js';
import { TraceFingerprint } from '../../sim/trace-fingerprint.js';
import { runScenario } from '../../sim/run.js';
import { loadScenario } from '../../sim/scenario/schema.js';

/** The trace hash of these records, made apart from any History. */
const fingerprintOf = (records: readonly object[]): string => {
  const f = new TraceFingerprint();
  for (const r of records) f.add(r);
  return f.digest();
};

test('the trace hash fingerprints the records added, in order', () => {
  const records: HistoryRecord[] = [];
  const history = new History();
  for (let i = 0; i < 1_000; i++) {
    const rec: HistoryRecord = i % 7 === 0 ? { type: 'fault', t: i / 3, kind: 'crash', detail: `r1-e${i} é "q"` } : { type: 'purge-applied', t: i + 0.25, node: `r${i % 3}-e1`, seq: i };
    records.push(rec);
    history.add(rec);
  }
  assert.is(history.traceHash(), fingerprintOf(records));
  assert.is.not(history.traceHash(), fingerprintOf(records.slice(1)));
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
  assert.is(history.traceHash(), fingerprintOf([lines[0]!, lines[2]!].map((l) => JSON.parse(l) as object)));
});

// The whole runs: the hash fingerprints exactly what the JSONL trace says (its lines read back,
// observations left out), with every record type these scenarios make, and writing the lines
// does not change it.
for (const file of ['smoke', 'owner-crash-mid-fill', 'rolling-restart-region']) {
  test(`${file} (seed 1): the trace hash is the fingerprint of the trace's lines, and the same without them`, async () => {
    const scenario = loadScenario(`sim/scenarios/${file}.json`);
    const lines: string[] = [];
    const withLines = await runScenario(scenario, { seed: 1, traceLine: (l) => lines.push(l) });
    const without = await runScenario(scenario, { seed: 1 });
    const hashed = lines.filter((l) => !l.startsWith('{"type":"suspect"'));
    assert.ok(hashed.length > 1000);
    assert.is(withLines.traceHash, fingerprintOf(hashed.map((l) => JSON.parse(l) as object)));
    assert.is(without.traceHash, withLines.traceHash);
  });
}

test.run();
