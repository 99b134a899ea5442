/**
 * The node:http adapter's request watch: with the full record (an access log is on) every request
 * is reported when its response closes; without it, a body written whole is reported as the
 * pipeline answers and only a streamed body waits for 'close', with the outcome, protocol and
 * status the duration histograms read.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { watchRequest, type WatchOptions } from '../../../edge/adapters/watch-request.js';
import type { CompletedRequest } from '../../../edge/pipeline/request-events.js';
import type { EdgeResponse } from '../../../edge/pipeline/types.js';
import { FakeClock } from '../../support/fake-clock.js';

function setup(fullRecord: boolean, more: Partial<WatchOptions> = {}) {
  const clock = new FakeClock();
  const seen: CompletedRequest[] = [];
  const o: WatchOptions = { observer: { completed: (e) => seen.push(e) }, clock, makeRequestId: () => 'id-1', fullRecord, ...more };
  const headers = { referer: 'http://ref/', 'user-agent': 'ua/1' };
  const req = Object.assign(new EventEmitter(), { method: 'GET', url: '/a', httpVersion: '1.1', headers, socket: { remoteAddress: '127.0.0.9' } }) as unknown as IncomingMessage;
  const res = Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: true }) as unknown as ServerResponse;
  return { clock, seen, watch: watchRequest(o, req, res), res };
}

const answer = (body: EdgeResponse['body']): EdgeResponse => ({ status: 200, headers: [], body, outcome: { kind: 'hit', hit: true, detail: '', bytes: 5 } }) as unknown as EdgeResponse;

async function* streamed(): AsyncIterable<Uint8Array> {
  yield new Uint8Array(1);
}

test('without an access log a body written whole is reported at once, with outcome, protocol and duration', () => {
  const { clock, seen, watch } = setup(false);
  clock.advance(7);
  watch.answered(answer(Buffer.from('hello')));
  assert.equal(seen.map((e) => [e.outcome.kind, e.protocol, e.status, e.durationMs, e.completed]), [['hit', 'HTTP/1.1', 200, 7, true]]);
});

test('without an access log a streamed body is reported when the response closes', () => {
  const { clock, seen, watch, res } = setup(false);
  watch.answered(answer(streamed()));
  assert.is(seen.length, 0);
  clock.advance(30);
  res.emit('close');
  assert.equal(seen.map((e) => [e.outcome.kind, e.durationMs]), [['hit', 30]]);
});

test('with an access log every request waits for close and carries the log fields', () => {
  const { seen, watch, res } = setup(true);
  watch.answered(answer(Buffer.from('hello')));
  assert.is(seen.length, 0);
  res.emit('close');
  assert.equal(seen.map((e) => [e.target, e.clientAddress, e.requestId, e.referer, e.userAgent]), [['/a', '127.0.0.9', 'id-1', 'http://ref/', 'ua/1']]);
});

test('a JSON access log (agentFields false) leaves Referer and User-Agent unread', () => {
  const { seen, watch, res } = setup(true, { agentFields: false });
  watch.answered(answer(Buffer.from('hello')));
  res.emit('close');
  assert.equal(seen.map((e) => [e.target, e.referer, e.userAgent]), [['/a', undefined, undefined]]);
});

test('with wallAt the arrival time maps the monotonic reading; the wall clock is not read', () => {
  const wallReads: number[] = [];
  const { clock, seen, watch, res } = setup(true, { wallAt: (monoMs) => 5_000 + monoMs });
  clock.wallMs = () => wallReads.push(1);
  watch.answered(answer(Buffer.from('hello')));
  res.emit('close');
  assert.equal([seen[0]!.startWallMs, wallReads.length], [5_000, 0]);
});

test.run();
