/**
 * Request collapsing over real sockets: one origin request for many concurrent misses. The origin
 * holds its answers until the test releases them and the edge's wait bounds run on virtual
 * timers, so every request is known to be waiting before anything is answered, and a wait runs
 * out only when the test advances time: the counts below follow from the code, not from the
 * machine's speed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startVirtualHarness, waitersOrStampede } from '../../support/edge-harness.js';

test('100 concurrent misses for one object make exactly one origin request, and all 100 get its answer', async () => {
  const h = await startVirtualHarness();
  try {
    h.origin.gate('/hot');
    const replies = Promise.all(Array.from({ length: 100 }, () => h.get('/hot')));
    await h.origin.arrived('/hot');
    await waitersOrStampede(h, '/hot', 99); // every other request waits behind the one writer
    h.origin.open('/hot');
    const all = await replies;
    assert.is(h.origin.arrivals('/hot'), 1);
    assert.is(await h.originCount('/hot'), 1);
    const first = all[0]!.body;
    for (const r of all) {
      assert.is(r.status, 200);
      assert.ok(r.body.equals(first));
    }
    assert.is(all.filter((r) => /collapsed/.test(r.headers['cache-status']!)).length, 99);
    assert.is(all.filter((r) => /stored/.test(r.headers['cache-status']!)).length, 1);
  } finally {
    await h.close();
  }
});

test('an uncacheable answer releases waiters at once: each fetches for itself, none times out', async () => {
  const h = await startVirtualHarness({ collapseWaitMs: 60_000 });
  try {
    h.origin.gate('/private');
    const pending = Array.from({ length: 10 }, () => h.get('/private?cc=private'));
    await h.origin.arrived('/private');
    await waitersOrStampede(h, '/private', 9);
    h.origin.release('/private', 1);
    // The writer wakes its waiters before it answers, so once its answer is here each of them
    // has been sent on its own way; running past the wait bound now must find nobody waiting.
    await Promise.race(pending);
    h.timers.advance(60_000);
    assert.is(h.edge.metrics.collapseTimeouts, 0);
    h.origin.open('/private');
    for (const r of await Promise.all(pending)) assert.is(r.status, 200);
    assert.is(await h.originCount('/private'), 10);
    assert.is(h.edge.metrics.collapseTimeouts, 0);
  } finally {
    await h.close();
  }
});

test('a waiter never hangs: past collapseWaitMs it fetches on its own', async () => {
  const h = await startVirtualHarness({ collapseWaitMs: 50 });
  try {
    h.origin.gate('/slow');
    const replies = Promise.all([h.get('/slow'), h.get('/slow')]);
    await h.origin.arrived('/slow');
    await waitersOrStampede(h, '/slow', 1);
    h.timers.advance(49);
    assert.is(h.edge.metrics.collapseTimeouts, 0, 'not before the bound');
    h.timers.advance(1);
    await h.origin.arrived('/slow', 2);
    h.origin.open('/slow');
    for (const r of await replies) assert.is(r.status, 200);
    assert.is(h.edge.metrics.collapseTimeouts, 1);
    assert.is(await h.originCount('/slow'), 2);
  } finally {
    await h.close();
  }
});

test('waiters past their bound behind a stuck writer: one takes over, the rest wait for it', async () => {
  const h = await startVirtualHarness({ collapseWaitMs: 400 });
  try {
    h.origin.gate('/stuck');
    const first = h.get('/stuck');
    await h.origin.arrived('/stuck');
    const rest = Array.from({ length: 10 }, () => h.get('/stuck'));
    await waitersOrStampede(h, '/stuck', 10);
    h.timers.advance(400);
    // All ten gave up on the stuck writer at once: one took over, nine wait for it.
    await h.origin.arrived('/stuck', 2);
    await waitersOrStampede(h, '/stuck', 9, 2);
    // The stuck answer lands first; it is stored and serves the takeover's waiters too.
    h.origin.release('/stuck', 1);
    assert.is((await first).status, 200);
    h.origin.open('/stuck');
    for (const r of await Promise.all(rest)) assert.is(r.status, 200);
    assert.is(await h.originCount('/stuck'), 2, 'the stuck fill and one takeover, not one per waiter');
  } finally {
    await h.close();
  }
});

const failingOrigins: Array<[why: string, failure: Record<string, unknown>, status: number]> = [
  ['waiters share the writer\'s origin failure instead of stampeding a dead origin', { mode: 'refuse' }, 502],
  ['waiters share an origin 5xx too: one origin request for a burst against a failing origin', { mode: 'error', status: 503 }, 503],
];

for (const [why, failure, status] of failingOrigins) {
  test(why, async () => {
    const h = await startVirtualHarness();
    try {
      await h.originAdmin('/_admin/failure', failure);
      h.origin.gate('/failing');
      const replies = Promise.all(Array.from({ length: 20 }, () => h.get('/failing')));
      await h.origin.arrived('/failing');
      await waitersOrStampede(h, '/failing', 19);
      h.origin.open('/failing');
      for (const r of await replies) assert.is(r.status, status, 'every waiter answered with the failure');
      assert.is(h.origin.arrivals('/failing'), 1);
      assert.is(h.edge.metrics.originRequests, 1);
    } finally {
      await h.close();
    }
  });
}

test.run();
