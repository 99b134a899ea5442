/** The edge's purge ledger: applied seq and the purge/fill race check, including flushes that move the seq back (a restored log). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PurgeLedger } from '../../../edge/store/purge-ledger.js';

type Step = ['purge', number, string] | ['flush', number];

const rows: Array<{ name: string; steps: Step[]; appliedSeq: number; checks: Array<[sinceSeq: number, key: string, purged: boolean]> }> = [
  { name: 'purges in order', steps: [['purge', 1, 'a'], ['purge', 2, 'b']], appliedSeq: 2, checks: [[0, 'a', true], [1, 'a', false], [1, 'b', true], [2, 'b', false]] },
  { name: 'a flush forward covers every key before it', steps: [['purge', 1, 'a'], ['flush', 50]], appliedSeq: 50, checks: [[1, 'zzz', true], [50, 'zzz', false]] },
  {
    name: 'a flush back to a lower seq (log-changed after a restore) moves the applied seq back',
    steps: [['purge', 14, 'a'], ['purge', 15, 'b'], ['flush', 10]],
    appliedSeq: 10,
    checks: [[15, 'x', true], [10, 'x', false]],
  },
  {
    name: 'after a flush back, the new log\'s purges are applied and checked from there',
    steps: [['purge', 15, 'b'], ['flush', 10], ['purge', 11, 'n']],
    appliedSeq: 11,
    checks: [[10, 'n', true], [10, 'b', false], [11, 'n', false], [15, 'x', true]],
  },
];

for (const row of rows) {
  test(row.name, () => {
    const ledger = new PurgeLedger();
    for (const step of row.steps) {
      if (step[0] === 'purge') ledger.record({ seq: step[1], kind: 'url', values: [step[2]] });
      else ledger.flushed(step[1]);
    }
    assert.is(ledger.appliedSeq, row.appliedSeq);
    for (const [sinceSeq, key, purged] of row.checks) assert.is(ledger.purgedSince(sinceSeq, key, []), purged, `purgedSince(${sinceSeq}, ${key})`);
  });
}

test.run();
