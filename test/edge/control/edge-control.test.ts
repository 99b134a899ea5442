/** The edge's control surface: each control operation does its work, then tells subscribers with one typed event. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PurgeRecord } from '../../../common/control-protocol.js';
import type { Transport } from '../../../common/ports.js';
import type { EdgeEvent } from '../../../edge/control/edge-events.js';
import { Edge } from '../../../edge/pipeline/edge.js';
import { FakeClock } from '../../support/fake-clock.js';
import { ringOfOne, testEdgeOptions } from '../../support/test-edge-options.js';

/** Nothing in these tests goes upstream. */
const noTransport: Transport = { request: () => Promise.reject(new Error('no upstream in this test')), close: () => Promise.resolve() };

function edgeWith(extra: Partial<ConstructorParameters<typeof Edge>[0]> = {}): { edge: Edge; clock: FakeClock; events: EdgeEvent[] } {
  const clock = new FakeClock();
  const edge = new Edge({ ...testEdgeOptions({ cacheName: 'e1', originUrl: 'http://127.0.0.1:9', clock, transport: noTransport }), ...extra });
  const events: EdgeEvent[] = [];
  edge.control.events.subscribe((e) => events.push(e));
  return { edge, clock, events };
}

const purge = (seq: number, kind: PurgeRecord['kind'] = 'url'): PurgeRecord => ({ seq, id: `p${seq}`, kind, values: kind === 'all' ? [] : ['/a'], soft: false, acceptedAtMs: 0 });

const ring = ringOfOne('e1', { mode: 'off', windowMs: 30_000 });

test('a purge emits purge-applied once the ledger has it; metrics count it from the event', () => {
  const { edge, events } = edgeWith();
  edge.control.applyPurge(purge(1));
  edge.control.applyPurge(purge(2, 'all'));
  assert.equal(events, [
    { type: 'purge-applied', seq: 1, id: 'p1', kind: 'url', appliedSeq: 1 },
    { type: 'purge-applied', seq: 2, id: 'p2', kind: 'all', appliedSeq: 2 },
  ]);
  assert.is(edge.metrics.purgesApplied.url, 1);
  assert.is(edge.metrics.purgesApplied.all, 1);
});

test('a flush emits flushed with the sequence the ledger now stands at', () => {
  const { edge, events } = edgeWith();
  edge.control.flush(7);
  assert.equal(events, [{ type: 'flushed', upToSeq: 7, appliedSeq: 7 }]);
  assert.is(edge.control.purges.appliedSeq, 7);
  assert.is(edge.metrics.flushes, 1);
});

test('installing a ring emits membership-installed with the members and the keys that moved', () => {
  const { edge, events } = edgeWith({ cluster: ring });
  const members = [
    { id: 'e1', url: 'http://127.0.0.1:9', weight: 1 },
    { id: 'e2', url: 'http://127.0.0.1:10', weight: 1 },
  ];
  edge.control.setMembers(members);
  assert.equal(events, [{ type: 'membership-installed', members, keysMoved: 0 }]);
  assert.equal(edge.cluster!.members().map((m) => m.id), ['e1', 'e2']);
});

test('a lease grant emits lease-changed (wasValid says whether it was a renewal); a grant that moves nothing emits nothing', () => {
  const { edge, clock, events } = edgeWith({ lease: { expiredServeStale: false } });
  assert.is(edge.control.leaseValid(), false, 'no lease before the first grant');
  edge.control.renewLease(10_000);
  clock.advance(1_000);
  edge.control.renewLease(10_000);
  edge.control.renewLease(5_000); // ends before the current lease: nothing changes
  assert.equal(events, [
    { type: 'lease-changed', untilMonoMs: 10_000, wasValid: false },
    { type: 'lease-changed', untilMonoMs: 11_000, wasValid: true },
  ]);
  clock.advance(10_000);
  assert.is(edge.control.leaseValid(), false, 'expired at 11 s');
});

test('without a control plane the lease always allows reuse, and asking reads no clock (it is asked on every hit)', () => {
  const { edge, clock } = edgeWith();
  let reads = 0;
  const monoMs = clock.monoMs.bind(clock);
  clock.monoMs = () => {
    reads++;
    return monoMs();
  };
  assert.is(edge.control.leaseValid(), true);
  assert.is(reads, 0);
});

test('a handoff request emits handoff-answered, served or not', () => {
  const { edge, events } = edgeWith({ cluster: ring });
  const res = edge.control.answerHandoff('/a', { kind: 'miss' }, { method: 'GET', target: '/a', headers: {} }, 0);
  assert.is(res.status, 504);
  assert.equal(events, [{ type: 'handoff-answered', key: '/a', served: false }]);
});

test('an unsubscribed listener hears nothing more; the others still do', () => {
  const { edge, events } = edgeWith();
  const late: EdgeEvent[] = [];
  const stop = edge.control.events.subscribe((e) => late.push(e));
  edge.control.flush(1);
  stop();
  edge.control.flush(2);
  assert.is(late.length, 1);
  assert.is(events.length, 2);
});

test.run();
