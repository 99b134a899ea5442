/**
 * Pipelined requests that arrive in one read and are answered at once (hits) leave in one cork:
 * the socket sees their bytes between one cork and the uncork that brings it back to zero, so
 * node writes them with one writev instead of one per response. A read holding one request is
 * not corked: its answer is one write already, and a corked write waits in the Writable's queue.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Http1Connection } from '../../../../edge/adapters/http1/connection.js';
import { connectionOptions } from '../../../../edge/adapters/http1/server.js';
import type { EdgeResponse } from '../../../../edge/pipeline/types.js';
import { ManualTimers } from '../../../support/manual-timers.js';

/** A socket that records what was written in each cork span (a span ends when the cork depth returns to 0). */
class CorkRecordingSocket extends EventEmitter {
  remoteAddress = '127.0.0.1';
  writableNeedDrain = false;
  depth = 0;
  spans: string[] = [];
  private current = '';
  setNoDelay(): this { return this; }
  corks = 0;
  cork(): void {
    this.depth++;
    this.corks++;
  }
  uncork(): void {
    if (this.depth === 0) return;
    this.depth--;
    if (this.depth === 0) this.flush();
  }
  write(chunk: string | Buffer): boolean {
    this.current += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    if (this.depth === 0) this.flush();
    return true;
  }
  paused = false;
  pause(): this { this.paused = true; return this; }
  resume(): this { this.paused = false; return this; }
  end(): this { return this; }
  destroySoon(): void {}
  destroy(): this { return this; }
  private flush(): void {
    if (this.current !== '') this.spans.push(this.current);
    this.current = '';
  }
}

function connection(socket: CorkRecordingSocket, respond: (target: string) => EdgeResponse | Promise<EdgeResponse>): void {
  const timers = new ManualTimers();
  const options = connectionOptions({ keepAliveTimeoutMs: 5_000, headersTimeoutMs: 10_000, timers, clock: timers.clock, logger: { log: () => undefined } });
  new Http1Connection(socket as unknown as Socket, (req) => respond(req.target), options, () => undefined);
}

const hit = (target: string): EdgeResponse => ({ status: 200, headers: ['content-type', 'text/plain'], body: Buffer.from(`body of ${target}`), outcome: { kind: 'hit', hit: true, bytes: 0 } });

test('three pipelined hits in one read: one cork span holding the three answers in order', () => {
  const socket = new CorkRecordingSocket();
  connection(socket, hit);
  socket.emit('data', Buffer.from('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n'));
  assert.is(socket.depth, 0);
  assert.is(socket.spans.length, 1, `answers left in ${socket.spans.length} spans`);
  const span = socket.spans[0]!;
  assert.is(span.split('HTTP/1.1 200 OK').length - 1, 3);
  assert.ok(span.indexOf('body of /a') < span.indexOf('body of /b') && span.indexOf('body of /b') < span.indexOf('body of /c'));
});

test('one request per read: one span per answer, the cork never left held', () => {
  const socket = new CorkRecordingSocket();
  connection(socket, hit);
  for (const t of ['/a', '/b']) socket.emit('data', Buffer.from(`GET ${t} HTTP/1.1\r\nHost: x\r\n\r\n`));
  assert.is(socket.depth, 0);
  assert.is(socket.spans.length, 2);
});

test('one request per read: its answer is written without a cork (a corked write waits in the Writable’s queue, which allocates)', () => {
  const socket = new CorkRecordingSocket();
  connection(socket, hit);
  for (const t of ['/a', '/b', '/c']) socket.emit('data', Buffer.from(`GET ${t} HTTP/1.1\r\nHost: x\r\n\r\n`));
  assert.is(socket.spans.length, 3);
  assert.is(socket.corks, 0);
});

test('a request with its whole body and a pipelined GET in one read: both answers in one span, in order', () => {
  const socket = new CorkRecordingSocket();
  connection(socket, hit);
  socket.emit('data', Buffer.from('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: x\r\n\r\n'));
  assert.is(socket.depth, 0);
  assert.is(socket.spans.length, 1, `answers left in ${socket.spans.length} spans`);
  assert.ok(socket.spans[0]!.indexOf('body of /a') >= 0 && socket.spans[0]!.indexOf('body of /a') < socket.spans[0]!.indexOf('body of /b'));
});

test('Expect: 100-continue with part of the body in the read: the 100 leaves when the read is handled, not after the body', () => {
  const socket = new CorkRecordingSocket();
  connection(socket, () => new Promise<EdgeResponse>(() => undefined)); // the answer waits for the whole body
  socket.emit('data', Buffer.from('PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nExpect: 100-continue\r\n\r\nabc'));
  assert.is(socket.depth, 0, 'no cork held while the rest of the body is awaited');
  assert.equal(socket.spans, ['HTTP/1.1 100 Continue\r\n\r\n']);
});

test('an answer that is not ready at once is written when it is, outside the read’s cork', async () => {
  const socket = new CorkRecordingSocket();
  let release: () => void = () => undefined;
  connection(socket, (target) => (target === '/slow' ? new Promise((resolve) => { release = () => resolve(hit(target)); }) : hit(target)));
  socket.emit('data', Buffer.from('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n'));
  assert.is(socket.depth, 0, 'the cork is released when the read has been handled, with /slow still pending');
  assert.is(socket.spans.length, 1);
  assert.ok(socket.spans[0]!.includes('body of /a') && !socket.spans[0]!.includes('body of /c'));
  release();
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(socket.depth, 0);
  assert.ok(socket.spans.join('').includes('body of /slow'));
  assert.ok(socket.spans.join('').indexOf('body of /slow') < socket.spans.join('').indexOf('body of /c'));
});

test('after waiting for an answer to drain, a pipelined head cut off mid-way resumes reading (else the connection hangs)', () => {
  const socket = new CorkRecordingSocket();
  connection(socket, hit);
  socket.writableNeedDrain = true; // the client reads slowly: the first answer fills the socket
  socket.emit('data', Buffer.from('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHo'));
  assert.ok(socket.paused, 'reading pauses while the answer waits to drain');
  socket.writableNeedDrain = false;
  socket.emit('drain');
  return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
    assert.not.ok(socket.paused, 'the rest of /b can arrive');
    socket.emit('data', Buffer.from('st: x\r\n\r\n'));
    assert.ok(socket.spans.join('').includes('body of /b'));
  });
});

test.run();
