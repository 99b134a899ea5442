/**
 * The edge's purge history (kept for the purge/fill race) is bounded by bytes as well as by count:
 * purges as large as the control plane accepts (1,000 values of 4 KiB) cannot grow it without
 * bound, and a fill older than what was forgotten is still not stored (issue #12).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_PURGE_VALUE_CHARS, type PurgeRecord } from '../../../common/control-protocol.js';
import { purgeMatcherBytes, PurgeLedger, RECENT_PURGES_KEPT, RECENT_PURGES_MAX_BYTES } from '../../../edge/store/purge-ledger.js';
import { startHarness } from '../../support/edge-harness.js';

let seq = 0;
function hugePurge(): PurgeRecord {
  seq++;
  const values = Array.from({ length: 1000 }, (_, i) => `example.com/${String(seq).padStart(6, '0')}/${i}/`.padEnd(MAX_PURGE_VALUE_CHARS, 'x'));
  return { seq, id: `p${seq}`, kind: 'prefix', values, soft: false, acceptedAtMs: 0 };
}

test('twenty maximal purges applied to a real edge: the history stays within its byte bound', async () => {
  const h = await startHarness();
  try {
    let largest = 0;
    for (let i = 0; i < 20; i++) {
      const record = hugePurge();
      h.edge.control.applyPurge(record);
      largest = Math.max(largest, purgeMatcherBytes({ seq: record.seq, kind: 'prefix', values: record.values }));
      const held = h.edge.control.purges.held();
      assert.ok(held.bytes <= Math.max(RECENT_PURGES_MAX_BYTES, largest), `after ${i + 1}: ${held.bytes} bytes`);
    }
    assert.ok(h.edge.control.purges.held().purges < 20, 'older purges were forgotten');
    assert.is(h.edge.control.purges.appliedSeq, seq);
  } finally {
    await h.close();
  }
});

test('a fill that began before a forgotten purge is treated as purged (never stored)', () => {
  const ledger = new PurgeLedger({ maxPurges: RECENT_PURGES_KEPT, maxBytes: 10_000 });
  ledger.record({ seq: 1, kind: 'url', values: ['/a'] });
  const fillStartedAt = ledger.appliedSeq;
  for (let s = 2; s < 40; s++) ledger.record({ seq: s, kind: 'url', values: [`/other-${'y'.repeat(500)}-${s}`] });
  assert.ok(ledger.held().bytes <= 10_000);
  assert.ok(ledger.purgedSince(fillStartedAt, '/unrelated', []), 'the purges since could not all be checked: assume the worst');
  assert.not.ok(ledger.purgedSince(ledger.appliedSeq, '/unrelated', []));
});

test('the count bound still holds for small purges', () => {
  const ledger = new PurgeLedger();
  for (let s = 1; s <= RECENT_PURGES_KEPT + 10; s++) ledger.record({ seq: s, kind: 'url', values: ['/a'] });
  assert.is(ledger.held().purges, RECENT_PURGES_KEPT);
});

test.run();
