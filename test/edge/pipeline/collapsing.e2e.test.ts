/** Request collapsing over real sockets: one origin request for many concurrent misses. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startHarness } from '../../support/edge-harness.js';

test('100 concurrent misses for one object make exactly one origin request', async () => {
  const h = await startHarness();
  try {
    const replies = await Promise.all(Array.from({ length: 100 }, () => h.get('/hot?latency=150')));
    assert.is(await h.originCount('/hot'), 1);
    const first = replies[0]!.body;
    for (const r of replies) {
      assert.is(r.status, 200);
      assert.ok(r.body.equals(first));
    }
    const collapsed = replies.filter((r) => /collapsed/.test(r.headers['cache-status']!)).length;
    assert.is(collapsed, 99);
    assert.is(replies.filter((r) => /stored/.test(r.headers['cache-status']!)).length, 1);
  } finally {
    await h.close();
  }
});

test('an uncacheable answer releases waiters at once: each fetches for itself, none times out', async () => {
  const h = await startHarness({ collapseWaitMs: 60_000 });
  try {
    const replies = await Promise.all(Array.from({ length: 10 }, () => h.get('/private?latency=100&cc=private')));
    for (const r of replies) assert.is(r.status, 200);
    assert.is(await h.originCount('/private'), 10);
    assert.is(h.edge.metrics.collapseTimeouts, 0);
  } finally {
    await h.close();
  }
});

test('a waiter never hangs: past collapseWaitMs it fetches on its own', async () => {
  const h = await startHarness({ collapseWaitMs: 50 });
  try {
    const replies = await Promise.all([h.get('/slow?latency=400'), h.get('/slow?latency=400')]);
    for (const r of replies) assert.is(r.status, 200);
    assert.is(h.edge.metrics.collapseTimeouts, 1);
    assert.is(await h.originCount('/slow'), 2);
  } finally {
    await h.close();
  }
});

test('waiters past their bound behind a stuck writer: one takes over, the rest wait for it', async () => {
  const h = await startHarness({ collapseWaitMs: 400 });
  try {
    // The first request's origin answer takes 600 ms; the others give up on it after 400 ms, one
    // takes over, and the first answer, stored at 600 ms, then serves everyone still waiting.
    const first = h.get('/stuck?latency=600');
    while ((await h.originCount('/stuck')) === 0) await new Promise((r) => setImmediate(r));
    const rest = Array.from({ length: 10 }, () => h.get('/stuck?latency=600'));
    for (const r of await Promise.all([first, ...rest])) assert.is(r.status, 200);
    assert.is(await h.originCount('/stuck'), 2, 'the stuck fill and one takeover, not one per waiter');
  } finally {
    await h.close();
  }
});

test('waiters share the writer\'s origin failure instead of stampeding a dead origin', async () => {
  const h = await startHarness();
  try {
    await h.originAdmin('/_admin/failure', { mode: 'refuse' });
    const replies = await Promise.all(Array.from({ length: 20 }, () => h.get('/dead?latency=50')));
    for (const r of replies) assert.is(r.status, 502);
    assert.ok(h.edge.metrics.originRequests < 20, `origin requests ${h.edge.metrics.originRequests}`);
  } finally {
    await h.close();
  }
});

test('waiters share an origin 5xx too: one origin request for a burst against a failing origin', async () => {
  const h = await startHarness();
  try {
    await h.originAdmin('/_admin/failure', { mode: 'error', status: 503 });
    const replies = await Promise.all(Array.from({ length: 20 }, () => h.get('/failing?latency=100')));
    for (const r of replies) assert.is(r.status, 503);
    assert.is(await h.originCount('/failing'), 1);
  } finally {
    await h.close();
  }
});

test.run();
