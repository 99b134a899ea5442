/**
 * Small answers joined into one region of a shared slab (answer-slab.ts): a region is reused only
 * after its write has left, so an answer still queued in a socket that does not read keeps its
 * bytes however many answers other connections get meanwhile.
 */
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AnswerSlab, ANSWER_SLAB_BYTES, joinAnswer, MAX_JOINED_ANSWER_BYTES } from '../../../../edge/adapters/http1/answer-slab.js';
import { Http1Server, SERVING_EVENT } from '../../../../edge/adapters/http1/server.js';
import type { EdgeRequest, EdgeResponse } from '../../../../edge/pipeline/types.js';
import { openRaw, readUntil, splitResponses } from '../../../support/raw-http.js';
import { silent } from '../../../support/test-edge-options.js';

test('a region is handed out only up to the join limit', () => {
  const slab = new AnswerSlab();
  assert.ok(slab.take(MAX_JOINED_ANSWER_BYTES) !== undefined);
  assert.is(slab.take(MAX_JOINED_ANSWER_BYTES + 1), undefined);
});

test('regions whose writes all left are handed out again from the start of the slab', () => {
  const slab = new AnswerSlab();
  const first = slab.take(100)!;
  const second = slab.take(100)!;
  assert.is(second.byteOffset, first.byteOffset + 100);
  slab.settle(slab.generation, 1, false);
  assert.is(slab.take(10)!.byteOffset, first.byteOffset + 200, 'one region is still unsettled: no reuse yet');
  slab.settle(slab.generation, 2, false);
  const again = slab.take(100)!;
  assert.is(again.buffer, first.buffer);
  assert.is(again.byteOffset, first.byteOffset);
});

test('a write still queued keeps its slab: later regions come from a new one', () => {
  const slab = new AnswerSlab();
  const queued = slab.take(100)!;
  queued.fill(7);
  const before = slab.generation;
  slab.settle(before, 1, true);
  const next = slab.take(100)!;
  assert.is.not(next.buffer, queued.buffer);
  next.fill(9);
  assert.ok(queued.every((b) => b === 7));
  // A late settlement for the old slab changes nothing about the new one.
  slab.settle(before, 5, false);
  assert.is(slab.take(10)!.byteOffset, next.byteOffset + 100);
});

test('a full slab is replaced, never wrapped over regions still unsettled', () => {
  const slab = new AnswerSlab();
  const regions = [];
  for (let taken = 0; taken + MAX_JOINED_ANSWER_BYTES <= ANSWER_SLAB_BYTES; taken += MAX_JOINED_ANSWER_BYTES) regions.push(slab.take(MAX_JOINED_ANSWER_BYTES)!);
  const extra = slab.take(MAX_JOINED_ANSWER_BYTES)!;
  assert.ok(regions.every((r) => r.buffer !== extra.buffer));
});

test('joinAnswer writes block, changing fields, tail and body in order', () => {
  const slab = new AnswerSlab();
  const block = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n', 'latin1');
  const headers = ['content-length', '4', 'age', '3', 'cache-status', 'edge; hit; ttl=9'];
  const changingBytes = 'age: 3\r\ncache-status: edge; hit; ttl=9\r\n'.length;
  const whole = joinAnswer(slab, block, headers, 2, changingBytes, 'Connection: close\r\n\r\n', Buffer.from('body'))!;
  assert.is(whole.toString('latin1'), 'HTTP/1.1 200 OK\r\ncontent-length: 4\r\nage: 3\r\ncache-status: edge; hit; ttl=9\r\nConnection: close\r\n\r\nbody');
});

/** A 15,000-byte body naming its target, filled with one letter per target. */
function bodyFor(target: string): Buffer {
  const n = Number(target.split('/').pop());
  const body = Buffer.alloc(15_000, Number.isFinite(n) ? 0x61 + (n % 26) : 0x5a);
  body.write(target, 'latin1');
  return body;
}

test('an answer queued behind a client that does not read keeps its bytes while other connections are answered', async () => {
  // Odd targets answer through a promise (the write happens outside the read loop), even ones at once.
  const handler = (req: EdgeRequest): EdgeResponse | Promise<EdgeResponse> => {
    const body = bodyFor(req.target);
    const answer: EdgeResponse = { status: 200, headers: ['content-length', String(body.length)], body, outcome: { kind: 'hit', bytes: body.length, hit: true } };
    return Number(req.target.split('/').pop()) % 2 === 1 ? Promise.resolve(answer) : answer;
  };
  const server = new Http1Server(handler, { keepAliveTimeoutMs: 60_000, headersTimeoutMs: 60_000, timers: { after: () => ({ cancel: () => undefined }) }, clock: { wallMs: () => 1_700_000_000_000, monoMs: () => 0 }, logger: silent });
  const serving: Socket[] = [];
  server.on(SERVING_EVENT, (s: Socket) => serving.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const a = await openRaw(port);
    a.pause(); // reads nothing: the kernel's buffers fill, then the server's socket queues
    let sent = 0;
    while (serving.length === 0 || !serving[0]!.writableNeedDrain) {
      if (sent >= 4_000) throw new Error('the server never had to queue an answer');
      let batch = '';
      for (let i = 0; i < 50; i++) batch += `GET /a/${sent++} HTTP/1.1\r\nHost: a\r\n\r\n`;
      a.write(batch);
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // Connection B gets many answers through the slab while A's last one waits in A's socket.
    const b = await openRaw(port);
    let requests = '';
    for (let i = 0; i < 40; i++) requests += `GET /b/x${i} HTTP/1.1\r\nHost: b\r\n\r\n`;
    const bReply = readUntil(b, (t) => splitResponses(t).responses.length >= 40);
    b.write(requests);
    const bAnswers = splitResponses((await bReply).text).responses;
    assert.is(bAnswers.length, 40);
    b.destroy();
    // Now A reads everything it was sent, each answer whole and its own.
    // Splitting is only tried once the bodies alone could be there (splitting megabytes per read is slow).
    const aReply = readUntil(a, (t) => t.length >= sent * 15_000 && splitResponses(t).responses.length >= sent);
    a.resume();
    const answers = splitResponses((await aReply).text).responses;
    assert.is(answers.length, sent);
    answers.forEach((r, i) => {
      const expected = bodyFor(`/a/${i}`).toString('latin1');
      if (r.body !== expected) assert.unreachable(`answer ${i} of the connection that did not read was changed`);
    });
    a.destroy();
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test.run();
