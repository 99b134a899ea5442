/**
 * The term guard (control-plane/etcd/term-guard.ts) on manual timers: a write proposed under one
 * raft term is given up as soon as a higher term is seen (from any answer or from probing the
 * member while the write waits), never before, and never when no term was known at send time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TermGuard } from '../../control-plane/etcd/term-guard.js';
import { ManualTimers } from '../support/manual-timers.js';

async function ticks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

test('a higher term in any answer gives up the writes sent under a lower one, and only those', () => {
  const guard = new TermGuard(new ManualTimers(), { probeMs: 250 });
  guard.noteTerm(4);
  const abandoned: string[] = [];
  guard.track((why) => abandoned.push(`a: ${why}`), async () => 4);
  guard.noteTerm(4);
  assert.equal(abandoned, [], 'the same term: still waiting');
  guard.noteTerm(5);
  assert.is(abandoned.length, 1);
  assert.match(abandoned[0]!, /^a: etcd moved from raft term 4 to 5/);
  guard.track((why) => abandoned.push(`b: ${why}`), async () => 5);
  guard.noteTerm(5);
  assert.is(abandoned.length, 1, 'b was sent under term 5');
  assert.is(guard.waitingCount(), 1);
});

test('a write that finished is not given up later', () => {
  const guard = new TermGuard(new ManualTimers(), { probeMs: 250 });
  guard.noteTerm(2);
  let abandoned = 0;
  const tracked = guard.track(() => abandoned++, async () => 2);
  tracked.done();
  guard.noteTerm(3);
  assert.is(abandoned, 0);
  assert.is(guard.waitingCount(), 0);
});

test('a write sent before any term was known is not given up when the first term is learnt', () => {
  const guard = new TermGuard(new ManualTimers(), { probeMs: 250 });
  let abandoned = 0;
  guard.track(() => abandoned++, async () => 7);
  guard.noteTerm(7);
  assert.is(abandoned, 0);
});

test('a waiting write has its member probed every probeMs; a new term there gives it up; probing stops when nothing waits', async () => {
  const timers = new ManualTimers();
  const guard = new TermGuard(timers, { probeMs: 250 });
  guard.noteTerm(3);
  let memberTerm = 3;
  let probes = 0;
  let abandoned: string | undefined;
  guard.track((why) => (abandoned = why), async () => {
    probes++;
    return memberTerm;
  });
  timers.advance(249);
  await ticks();
  assert.is(probes, 0, 'not probed before probeMs');
  timers.advance(1);
  await ticks();
  assert.is(probes, 1);
  assert.is(abandoned, undefined, 'same term: keeps waiting');
  memberTerm = 4; // the old leader died and this member has voted in a new one
  timers.advance(250);
  await ticks();
  assert.is(probes, 2);
  assert.match(abandoned ?? '', /raft term 3 to 4/);
  assert.is(guard.currentTerm(), 4);
  assert.is(timers.pending(), 0, 'nothing waits: no probe scheduled');
});

test('a member that cannot be probed leaves the write to its own timeout', async () => {
  const timers = new ManualTimers();
  const guard = new TermGuard(timers, { probeMs: 100 });
  guard.noteTerm(1);
  let abandoned = 0;
  const tracked = guard.track(() => abandoned++, () => Promise.reject(new Error('ECONNREFUSED')));
  timers.advance(300);
  await ticks();
  assert.is(abandoned, 0);
  tracked.done();
  assert.is(timers.pending(), 0);
});

test.run();
