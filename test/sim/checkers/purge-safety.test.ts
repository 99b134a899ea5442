import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PurgeSafety } from '../../../sim/checkers/checkers.js';
import type { HistoryRecord, RequestRecord } from '../../../sim/history.js';

const KEY = '/o/0';

function purgeComplete(t: number, version: number, soft: boolean): HistoryRecord {
  return { type: 'purge-complete', t, id: `p${version}`, seq: version, key: KEY, version, ...(soft ? { soft: true as const } : {}) };
}

function request(r: Partial<RequestRecord> & Pick<RequestRecord, 't' | 'arrivedMs' | 'node' | 'role' | 'kind'>): HistoryRecord {
  return { type: 'request', region: 'r1', key: KEY, method: 'GET', status: 200, version: 2, bytes: 1, truncated: false, latencyMs: 0, ...r };
}

/**
 * Seed 898 of the swarm: after a soft purge (for v3) the owner r1-e1 answers r1-e4's peer request
 * with stale-if-error v2; r1-e4 applied the purge while that fill was in flight, so it labels the
 * relay `purged-during-fill` rather than `peer-r1-e1`.
 */
function relayAfterSoftPurge(peerAnswerAt: number, soft = true): PurgeSafety {
  const c = new PurgeSafety();
  c.record(purgeComplete(9_342, 3, soft));
  c.record(request({ t: peerAnswerAt, arrivedMs: peerAnswerAt - 90, node: 'r1-e1', role: 'peer', from: 'r1-e4', kind: 'stale-if-error', detail: 'stale-if-error' }));
  c.record(request({ t: 9_823, arrivedMs: 9_724, node: 'r1-e4', role: 'client', kind: 'miss', detail: 'purged-during-fill' }));
  return c;
}

test('purge-safety: a relayed stale-if-error answer after a soft purge is allowed even when labelled purged-during-fill', () => {
  assert.ok(relayAfterSoftPurge(9_820).verdict().ok);
});

test('purge-safety: the exemption needs the peer answer to belong to this request (it came after the request arrived)', () => {
  const v = relayAfterSoftPurge(9_700).verdict();
  assert.not.ok(v.ok);
  assert.match(v.examples[0]!, /served \/o\/0 v2 \(miss purged-during-fill\) after purge p3/);
});

test('purge-safety: after a hard purge the same relay is a violation', () => {
  assert.not.ok(relayAfterSoftPurge(9_820, false).verdict().ok);
});

test.run();
