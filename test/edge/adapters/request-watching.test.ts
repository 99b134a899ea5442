/**
 * The binary's request watching with an access log, through the own HTTP/1.1 layer on a stand-in
 * socket: the edge numbers requests itself (`<8 hex>-<base 36>`, one counter for all connections),
 * keeps a client's X-Request-Id, and takes log times from the monotonic reading (a wall-clock
 * step shows within a second, not per request). Lines are read after close(), which writes what
 * is queued; virtual time and timers only.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Http1Connection } from '../../../edge/adapters/http1/connection.js';
import { connectionOptions } from '../../../edge/adapters/http1/server.js';
import { startRequestWatching, type RequestWatching } from '../../../edge/adapters/request-watching.js';
import type { EdgeResponse } from '../../../edge/pipeline/types.js';
import { FakeClock } from '../../support/fake-clock.js';
import { ManualTimers } from '../../support/manual-timers.js';
import { silent } from '../../support/test-edge-options.js';

/** What Http1Connection needs of a socket; what it writes is kept. */
class StandInSocket extends EventEmitter {
  remoteAddress = '127.0.0.7';
  written = '';
  writableNeedDrain = false;
  setNoDelay(): this { return this; }
  cork(): void {}
  uncork(): void {}
  pause(): this { return this; }
  resume(): this { return this; }
  write(chunk: string | Uint8Array): boolean {
    this.written += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
    return true;
  }
  end(): this { return this; }
  destroySoon(): void {}
  destroy(): this { return this; }
}

const hit = (): EdgeResponse => ({ status: 200, headers: ['content-type', 'text/plain'], body: Buffer.from('hello'), outcome: { kind: 'hit', hit: true, bytes: 5 } });

function connect(watching: RequestWatching, timers: ManualTimers): StandInSocket {
  const socket = new StandInSocket();
  new Http1Connection(
    socket as unknown as Socket,
    () => hit(),
    connectionOptions({ keepAliveTimeoutMs: 5_000, headersTimeoutMs: 10_000, timers, clock: timers.clock, logger: silent, watch: watching.watch }),
    () => undefined,
  );
  return socket;
}

async function withLog(format: 'json' | 'combined', run: (watching: RequestWatching, timers: ManualTimers, clock: FakeClock) => void): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'request-watching-'));
  try {
    const file = join(dir, 'access.log');
    const clock = new FakeClock(Date.UTC(2026, 11, 2, 7, 0, 0));
    const timers = new ManualTimers(clock);
    const watching = startRequestWatching({ accessLog: { target: file, format, maxQueued: 100, flushDelayMs: 100 } }, { clock, timers, logger: silent }, []);
    run(watching, timers, clock);
    await watching.close();
    return (await readFile(file, 'utf8')).trim().split('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const GET = (path: string, fields = ''): Buffer => Buffer.from(`GET ${path} HTTP/1.1\r\nHost: a\r\n${fields}\r\n`, 'latin1');

test('JSON: own ids are one process prefix and a counter across connections; a client id is kept (and takes no number)', async () => {
  const lines = await withLog('json', (watching, timers) => {
    const a = connect(watching, timers);
    const b = connect(watching, timers);
    a.emit('data', GET('/1'));
    b.emit('data', GET('/2'));
    a.emit('data', GET('/3', 'X-Request-Id: client-7\r\n'));
    b.emit('data', GET('/4'));
  });
  const ids = lines.map((l) => (JSON.parse(l) as { requestId: string }).requestId);
  assert.is(ids.length, 4);
  const prefix = /^([0-9a-f]{8})-1$/.exec(ids[0]!)?.[1];
  assert.ok(prefix !== undefined, ids[0]);
  assert.equal(ids, [`${prefix}-1`, `${prefix}-2`, 'client-7', `${prefix}-3`]);
});

test('JSON: the time comes from the monotonic reading; a wall step shows after a second, not per request', async () => {
  const start = Date.UTC(2026, 11, 2, 7, 0, 0);
  const lines = await withLog('json', (watching, timers, clock) => {
    const a = connect(watching, timers);
    clock.advance(250);
    a.emit('data', GET('/before'));
    clock.jumpWall(-60_000); // NTP steps the wall clock back a minute
    clock.advance(10);
    a.emit('data', GET('/within-the-second'));
    clock.advance(1_000);
    a.emit('data', GET('/after-the-second'));
  });
  const times = lines.map((l) => (JSON.parse(l) as { time: string }).time);
  assert.equal(times, [new Date(start + 250).toISOString(), new Date(start + 260).toISOString(), new Date(start + 1_260 - 60_000).toISOString()]);
});

test('combined: Referer and User-Agent are logged, and the own id carries the prefix', async () => {
  const lines = await withLog('combined', (watching, timers) => {
    connect(watching, timers).emit('data', GET('/c', 'Referer: http://ref/\r\nUser-Agent: ua/1\r\n'));
  });
  assert.is(lines.length, 1);
  assert.match(lines[0]!, /^127\.0\.0\.7 - - \[02\/Dec\/2026:07:00:00 \+0000\] "GET \/c HTTP\/1\.1" 200 5 "http:\/\/ref\/" "ua\/1" rt=0\.000 cache=hit upstream=- id=[0-9a-f]{8}-1$/);
});

test.run();
