/**
 * Followers forward purges to the leader in batches (control-plane/etcd/forwarded-batch.ts):
 * the coalescer puts purges handed over in one task into one request, bounded by count, bytes
 * and requests in flight, and gives each purge its own answer; the leader's
 * `POST /purges/forwarded` answers each purge as `POST /purges` would, in order, and refuses a
 * bad envelope with one line naming the field.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PurgeRequest } from '../../common/control-protocol.js';
import { coalesceForwards, MAX_FORWARDED_PURGES, type ForwardedBatchResult, type ForwardItem } from '../../control-plane/etcd/forwarded-batch.js';
import { ADMIN_TOKEN, startControlPlane } from './support/harness.js';

const req = (n: number): PurgeRequest => ({ kind: 'url', values: [`example.com/${n}`], soft: false });

/** A leader whose answers the test releases: each sent batch waits in `sent` until answered. */
function heldLeader() {
  const sent: Array<{ url: string; items: ForwardItem[]; answer: (r: ForwardedBatchResult) => void }> = [];
  const sendBatch = (url: string, items: ForwardItem[]) => new Promise<ForwardedBatchResult>((answer) => sent.push({ url, items, answer }));
  const acceptAll = (i: number, firstSeq: number) =>
    sent[i]!.answer({ kind: 'answered', answers: sent[i]!.items.map((_, k) => ({ status: 202, id: `p${firstSeq + k}`, seq: firstSeq + k })) });
  return { sent, sendBatch, acceptAll };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('purges handed over in one task go to the leader in one request, each with its own answer', async () => {
  const leader = heldLeader();
  const forward = coalesceForwards(leader.sendBatch, { maxPurges: 64, maxBodyBytes: 1 << 20, maxInFlight: 4 });
  const results = Promise.all([forward('http://l', req(1), undefined), forward('http://l', req(2), 'key-2'), forward('http://l', req(3), undefined)]);
  await tick();
  assert.is(leader.sent.length, 1);
  assert.equal(leader.sent[0]!.items.map((i) => [i.req.values[0], i.idempotencyKey]), [['example.com/1', undefined], ['example.com/2', 'key-2'], ['example.com/3', undefined]]);
  leader.sent[0]!.answer({ kind: 'answered', answers: [{ status: 202, id: 'a', seq: 7 }, { status: 503, error: 'overloaded' }, { status: 202, id: 'c', seq: 8 }] });
  assert.equal(await results, [
    { kind: 'accepted', seq: 7, id: 'a' },
    { kind: 'failed', message: 'the leader answered 503: overloaded' },
    { kind: 'accepted', seq: 8, id: 'c' },
  ]);
});

test('bounded: at most maxPurges and maxBodyBytes per request, maxInFlight requests; the rest wait for the next', async () => {
  const leader = heldLeader();
  const forward = coalesceForwards(leader.sendBatch, { maxPurges: 3, maxBodyBytes: 1 << 20, maxInFlight: 2 });
  const results = Promise.all(Array.from({ length: 10 }, (_, i) => forward('http://l', req(i), undefined)));
  await tick();
  assert.equal(leader.sent.map((s) => s.items.length), [3, 3], 'two requests in flight, three purges each');
  leader.acceptAll(0, 1);
  await tick();
  assert.equal(leader.sent.map((s) => s.items.length), [3, 3, 3], 'a slot freed: the next three go');
  leader.acceptAll(1, 4);
  leader.acceptAll(2, 7);
  await tick();
  leader.acceptAll(3, 10);
  assert.equal((await results).map((r) => (r.kind === 'accepted' ? r.seq : -1)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

  const bytes = heldLeader();
  const small = coalesceForwards(bytes.sendBatch, { maxPurges: 64, maxBodyBytes: 200, maxInFlight: 4 });
  void Promise.all([small('http://l', req(1), undefined), small('http://l', req(2), undefined), small('http://l', req(3), undefined)]);
  await tick();
  assert.ok(bytes.sent.length >= 2, 'purges over the byte bound are split');
  assert.ok(bytes.sent.every((s) => s.items.length >= 1));
});

test('a batch that was not sent, or whose answer was lost, says so for every purge in it', async () => {
  const leader = heldLeader();
  const forward = coalesceForwards(leader.sendBatch, { maxPurges: 64, maxBodyBytes: 1 << 20, maxInFlight: 4 });
  const first = Promise.all([forward('http://a', req(1), undefined), forward('http://a', req(2), undefined)]);
  const second = forward('http://b', req(3), undefined);
  await tick();
  assert.equal(leader.sent.map((s) => s.url), ['http://a', 'http://b'], 'one queue per leader URL');
  leader.sent[0]!.answer({ kind: 'not-sent', message: 'ECONNREFUSED' });
  leader.sent[1]!.answer({ kind: 'failed', message: 'socket hang up' });
  assert.equal(await first, [{ kind: 'not-sent', message: 'ECONNREFUSED' }, { kind: 'not-sent', message: 'ECONNREFUSED' }]);
  assert.equal(await second, { kind: 'failed', message: 'socket hang up' });
});

test('POST /purges/forwarded answers each purge as POST /purges would, in order, and names a bad field', async () => {
  const h = await startControlPlane();
  try {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const ok = await h.send('POST', '/purges/forwarded', { purges: [{ request: req(1) }, { request: { kind: 'url', values: [] } }, { request: req(2), idempotencyKey: 'k-2' }] }, auth);
    assert.is(ok.status, 200);
    const answers = ok.body.answers as Array<{ status: number; seq?: number; error?: string }>;
    assert.equal(answers.map((a) => a.status), [202, 400, 202]);
    assert.equal([answers[0]!.seq, answers[2]!.seq], [1, 2]);
    assert.match(answers[1]!.error!, /^values: /);
    const replay = await h.send('POST', '/purges/forwarded', { purges: [{ request: req(2), idempotencyKey: 'k-2' }] }, auth);
    assert.is(replay.body.answers[0].seq, 2, 'an Idempotency-Key seen before returns the first purge');

    const cases: Array<[unknown, string]> = [
      [{ purges: [] }, 'purges'],
      [{ purges: Array.from({ length: MAX_FORWARDED_PURGES + 1 }, () => ({ request: req(1) })) }, 'purges'],
      [{ purges: [{ request: req(1), extra: 1 }] }, 'purges.0.extra'],
      [{ purges: [{ request: req(1), idempotencyKey: 3 }] }, 'purges.0.idempotencyKey'],
      [[], 'body'],
    ];
    for (const [body, field] of cases) {
      const bad = await h.send('POST', '/purges/forwarded', body, auth);
      assert.is(bad.status, 400, JSON.stringify(body).slice(0, 80));
      assert.is(bad.body.field, field);
      assert.type(bad.body.error, 'string');
    }
    const noToken = await h.send('POST', '/purges/forwarded', { purges: [{ request: req(3) }] }, { authorization: 'Bearer nope-nope-nope-nope' });
    assert.is(noToken.status, 401);
    assert.is(h.log.lastSeq(), 2, 'nothing appended by refused requests');
  } finally {
    await h.close();
  }
});

test.run();
