/**
 * HTTP/2 protocol behaviour written frame by frame (test/support/h2-frames.ts), run against both
 * HTTP/2 layers where RFC 9113 leaves one right answer, so the own layer is held to what
 * nghttp2 does under node:http2: malformed requests (RFC 9113 §8.1.1) reset with PROTOCOL_ERROR
 * while the connection serves on, undecodable HPACK ends the connection with COMPRESSION_ERROR,
 * a header block split over CONTINUATION frames is one request, and response DATA waits for the
 * client's flow-control window. The own layer's own guards (CONTINUATION and empty-DATA floods)
 * are the last cases.
 */
import { constants } from 'node:http2';
import * as assert from 'uvu/assert';
import { encodeField } from '../../../../edge/adapters/h2/own/hpack-encoder.js';
import type { Http2Limits } from '../../../../edge/adapters/tls/config.js';
import { frame, FrameType, goawayCode, openRawH2, type Frame, type RawH2 } from '../../../support/h2-frames.js';
import { startHttpsEdge } from '../../../support/https-edge.js';
import { rawH2Suite, type RawH2Ctx } from '../../../support/raw-h2-suite.js';
import { startHeldOrigin } from '../../../support/held-origin.js';
import { FakeClock } from '../../../support/fake-clock.js';
import type { CompletedRequest } from '../../../../edge/pipeline/request-events.js';

const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const CONTINUATION = 9;


/** An HPACK block of literal fields (no indexing), as any encoder may send. */
const block = (fields: [string, string][]): Buffer => Buffer.concat(fields.map(([n, v]) => encodeField(n, v)));
const GET: [string, string][] = [[':method', 'GET'], [':scheme', 'https'], [':authority', 'localhost'], [':path', '/p']];
const headers = (streamId: number, fields: [string, string][], flags = END_STREAM | END_HEADERS): Buffer => frame(FrameType.HEADERS, flags, streamId, block(fields));
const isGoaway = (f: Frame): boolean => f.type === FrameType.GOAWAY;
const resetOf = (streamId: number) => (f: Frame): boolean => f.type === FrameType.RST_STREAM && f.streamId === streamId;
const headersOf = (streamId: number) => (f: Frame): boolean => f.type === FrameType.HEADERS && f.streamId === streamId;
/** How a stream ended first: reset (with its code), answered, or the connection closed. */
const outcomeOf = async (raw: RawH2, streamId: number): Promise<string> => {
  const f = await raw.until((x) => resetOf(streamId)(x) || headersOf(streamId)(x) || isGoaway(x));
  if (f === undefined) return 'closed';
  if (f.type === FrameType.RST_STREAM) return `reset ${f.payload.readUInt32BE(0)}`;
  return f.type === FrameType.GOAWAY ? `goaway ${goawayCode(f)}` : 'answered';
};
const dataBytes = (raw: RawH2, streamId: number): number => raw.frames.filter((f) => f.type === FrameType.DATA && f.streamId === streamId).reduce((n, f) => n + f.payload.length, 0);

/**
 * `nodeAnswers`: node:http2 passes this one to the pipeline (nghttp2 under node does not check
 * values for CR/LF); RFC 9113 §8.2.1 says it MUST be treated as malformed, and the own layer does.
 */
const MALFORMED: { name: string; fields: [string, string][]; nodeAnswers?: true }[] = [
  { name: 'an uppercase field name (§8.2.1)', fields: [...GET, ['X-Upper', '1']] },
  { name: 'a connection-specific field (§8.2.2)', fields: [...GET, ['connection', 'keep-alive']] },
  { name: 'TE other than trailers (§8.2.2)', fields: [...GET, ['te', 'gzip']] },
  { name: 'a pseudo-field after a regular one (§8.3)', fields: [[':method', 'GET'], [':scheme', 'https'], ['accept', '*/*'], [':path', '/p']] },
  { name: ':path twice (§8.3.1)', fields: [...GET, [':path', '/q']] },
  { name: ':scheme missing (§8.3.1)', fields: [[':method', 'GET'], [':authority', 'localhost'], [':path', '/p']] },
  { name: 'an unknown pseudo-field (§8.3)', fields: [...GET, [':foo', 'bar']] },
  { name: 'a value with a line feed (§8.2.1)', fields: [...GET, ['x-a', 'a\nb']], nodeAnswers: true },
  { name: 'Content-Length 5 on a request without DATA (§8.1.1)', fields: [[':method', 'POST'], [':scheme', 'https'], [':authority', 'localhost'], [':path', '/p'], ['content-length', '5']] },
];


function protocolSuite(h2Server: Http2Limits['server']): void {
  const s = rawH2Suite(`http2 protocol, frame by frame (h2: ${h2Server})`);
  const start = async (ctx: RawH2Ctx, http2: Partial<Http2Limits> = {}): Promise<RawH2> => {
    ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { http2: { ...http2, server: h2Server } });
    ctx.h.origin.answer = () => ({ headers: { 'cache-control': 'max-age=60' }, body: 'x'.repeat(1024) });
    return (ctx.raw = await openRawH2(ctx.h.port, ctx.pki.ca));
  };

  for (const row of MALFORMED) {
    if (h2Server === 'node' && row.nodeAnswers === true) continue;
    s(`malformed, ${row.name}: RST_STREAM PROTOCOL_ERROR, and the next stream is served`, async (ctx) => {
      const raw = await start(ctx);
      raw.write(headers(1, row.fields));
      assert.is(await outcomeOf(raw, 1), `reset ${constants.NGHTTP2_PROTOCOL_ERROR}`);
      raw.write(headers(3, GET));
      assert.ok(await raw.until(headersOf(3)), 'stream 3 answered');
      assert.not.ok(raw.frames.some(isGoaway));
      assert.is(ctx.h!.origin.requests.length, 1, 'only the good request reached the origin');
    });
  }

  s('a header block that HPACK cannot decode: GOAWAY COMPRESSION_ERROR (RFC 9113 §4.3)', async (ctx) => {
    const raw = await start(ctx);
    raw.write(frame(FrameType.HEADERS, END_STREAM | END_HEADERS, 1, Buffer.from([0xbe]))); // index 62: nothing there
    const goaway = await raw.until(isGoaway);
    assert.ok(goaway);
    assert.is(goawayCode(goaway!), constants.NGHTTP2_COMPRESSION_ERROR);
    // The own layer closes at once; node:http2 may leave the close to the client (seen under load).
    if (h2Server === 'own') await raw.closed;
  });

  s('a header block over HEADERS and two CONTINUATION frames is one request', async (ctx) => {
    const raw = await start(ctx);
    const b = block([...GET, ['x-long', 'v'.repeat(3000)]]);
    raw.write(Buffer.concat([frame(FrameType.HEADERS, END_STREAM, 1, b.subarray(0, 1000)), frame(CONTINUATION, 0, 1, b.subarray(1000, 2000)), frame(CONTINUATION, END_HEADERS, 1, b.subarray(2000))]));
    const answer = await raw.until(headersOf(1));
    assert.ok(answer);
    assert.is(ctx.h!.origin.requests.length, 1);
    assert.is(ctx.h!.origin.requests[0]!.headers['x-long'], 'v'.repeat(3000));
  });

  s('response DATA waits for the client\'s window: 100 bytes with SETTINGS_INITIAL_WINDOW_SIZE 100, the rest after WINDOW_UPDATE', async (ctx) => {
    const raw = await start(ctx);
    const settings = Buffer.alloc(6);
    settings.writeUInt16BE(4, 0); // SETTINGS_INITIAL_WINDOW_SIZE
    settings.writeUInt32BE(100, 2);
    raw.write(frame(FrameType.SETTINGS, 0, 0, settings));
    raw.write(headers(1, GET));
    await raw.until((f) => f.type === FrameType.DATA && f.streamId === 1);
    // A PING round trip: whatever the edge would send before its answer to it has arrived.
    const opaque = Buffer.alloc(8, 7);
    raw.write(frame(FrameType.PING, 0, 0, opaque));
    await raw.until((f) => f.type === FrameType.PING && (f.flags & 1) !== 0);
    assert.is(dataBytes(raw, 1), 100, 'exactly one window of DATA');
    const increment = Buffer.alloc(4);
    increment.writeUInt32BE(2000, 0);
    raw.write(frame(FrameType.WINDOW_UPDATE, 0, 1, increment));
    const last = await raw.until((f) => f.type === FrameType.DATA && f.streamId === 1 && (f.flags & END_STREAM) !== 0);
    assert.ok(last);
    assert.is(dataBytes(raw, 1), 1024);
  });
  const post: [string, string][] = [[':method', 'POST'], [':scheme', 'https'], [':authority', 'localhost'], [':path', '/upload']];
  s('request DATA beyond the stream window the edge announced (and the client acknowledged): RST_STREAM FLOW_CONTROL_ERROR (RFC 9113 §6.9.1)', async (ctx) => {
    const raw = await start(ctx, { streamWindowBytes: 16_384 });
    await raw.until((f) => f.type === FrameType.SETTINGS && (f.flags & 1) === 0);
    const chunk = Buffer.alloc(10_000, 0x61);
    raw.write(Buffer.concat([frame(FrameType.SETTINGS, 1, 0), headers(1, post, END_HEADERS), frame(FrameType.DATA, 0, 1, chunk), frame(FrameType.DATA, 0, 1, chunk)]));
    const ended = await raw.until((f) => resetOf(1)(f) || isGoaway(f));
    assert.ok(ended);
    const code = ended!.type === FrameType.GOAWAY ? goawayCode(ended!) : ended!.payload.readUInt32BE(0);
    assert.is(code, constants.NGHTTP2_FLOW_CONTROL_ERROR);
  });

  s('before the client acknowledges the edge\'s SETTINGS, its streams may use the protocol\'s 65,535-byte window (RFC 9113 §6.9.2)', async (ctx) => {
    const raw = await start(ctx, { streamWindowBytes: 16_384 });
    const chunk = Buffer.alloc(10_000, 0x61);
    raw.write(Buffer.concat([headers(1, post, END_HEADERS), ...Array.from({ length: 4 }, () => frame(FrameType.DATA, 0, 1, chunk))]));
    // A PING round trip: anything the edge does about those 40,000 bytes is written before its ACK.
    raw.write(frame(FrameType.PING, 0, 0, Buffer.alloc(8, 9)));
    await raw.until((f) => f.type === FrameType.PING && (f.flags & 1) !== 0);
    assert.not.ok(raw.frames.some((f) => resetOf(1)(f) || isGoaway(f)), 'no flow-control error');
  });

  s('a 3 MiB answer to a client with the largest windows arrives whole (the socket, not the window, paces it)', async (ctx) => {
    const raw = await start(ctx);
    const big = 'z'.repeat(3 * 1024 * 1024);
    ctx.h!.origin.answer = () => ({ headers: { 'cache-control': 'max-age=60' }, body: big });
    const settings = Buffer.alloc(6);
    settings.writeUInt16BE(4, 0);
    settings.writeUInt32BE(2 ** 31 - 1, 2);
    const increment = Buffer.alloc(4);
    increment.writeUInt32BE(2 ** 31 - 1 - 65_535, 0);
    raw.write(Buffer.concat([frame(FrameType.SETTINGS, 0, 0, settings), frame(FrameType.WINDOW_UPDATE, 0, 0, increment)]));
    for (const id of [1, 3]) {
      raw.write(headers(id, [...GET.slice(0, 3), [':path', '/big']]));
      const last = await raw.until((f) => f.type === FrameType.DATA && f.streamId === id && (f.flags & END_STREAM) !== 0);
      assert.ok(last, `stream ${id} ended`);
      assert.is(dataBytes(raw, id), big.length, id === 1 ? 'the miss, streamed from the origin' : 'the hit, one cached buffer');
    }
  });
  s.run();
}

protocolSuite('node');
protocolSuite('own');

/** Guards only the own layer has (nghttp2 bounds these its own way). */
const own = rawH2Suite('http2 own layer floods');

own('CONTINUATION flood: a header block that never ends gets GOAWAY ENHANCE_YOUR_CALM, not unbounded buffering', async (ctx) => {
  ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { http2: { server: 'own' } });
  const raw = (ctx.raw = await openRawH2(ctx.h.port, ctx.pki.ca));
  const filler = Buffer.alloc(1000, 0x41);
  raw.write(Buffer.concat([frame(FrameType.HEADERS, END_STREAM, 1, block(GET)), ...Array.from({ length: 200 }, () => frame(CONTINUATION, 0, 1, filler))]));
  const goaway = await raw.until(isGoaway);
  assert.ok(goaway);
  assert.is(goawayCode(goaway!), constants.NGHTTP2_ENHANCE_YOUR_CALM);
  await raw.closed;
  assert.is(ctx.h.origin.requests.length, 0);
});

own('empty DATA frames past the control-frame budget: GOAWAY ENHANCE_YOUR_CALM', async (ctx) => {
  ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { http2: { server: 'own', maxControlFramesPerWindow: 20 } });
  const raw = (ctx.raw = await openRawH2(ctx.h.port, ctx.pki.ca));
  const post: [string, string][] = [[':method', 'POST'], [':scheme', 'https'], [':authority', 'localhost'], [':path', '/upload']];
  raw.write(Buffer.concat([headers(1, post, END_HEADERS), ...Array.from({ length: 50 }, () => frame(FrameType.DATA, 0, 1))]));
  const goaway = await raw.until(isGoaway);
  assert.ok(goaway);
  assert.is(goawayCode(goaway!), constants.NGHTTP2_ENHANCE_YOUR_CALM);
  await raw.closed;
});

own('a client gone mid-request: the stream in flight is still reported to the access log, as not completed', async (ctx) => {
  const held = await startHeldOrigin();
  const seen: CompletedRequest[] = [];
  let reported: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (reported = resolve));
  const clock = new FakeClock();
  ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, {
    http2: { server: 'own' },
    edge: { originUrl: held.url },
    watch: { observer: { completed: (e) => { seen.push(e); reported(); } }, clock, makeRequestId: () => 'id-1' },
  });
  try {
    const raw = (ctx.raw = await openRawH2(ctx.h.port, ctx.pki.ca));
    raw.write(headers(1, GET));
    await held.waitForArrivals(1);
    raw.socket.destroy();
    await done;
    assert.equal(seen.map((e) => [e.protocol, e.target, e.completed]), [['HTTP/2', '/p', false]]);
  } finally {
    held.release();
    await held.close();
  }
});

own('zero-window stall: answers waiting 30 s (or the idle timeout, when longer) for a window that never opens get GOAWAY ENHANCE_YOUR_CALM; a window that opens in time does not', async (ctx) => {
  ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { http2: { server: 'own' }, keepAliveTimeoutMs: 5_000 });
  ctx.h.origin.answer = () => ({ headers: { 'cache-control': 'max-age=60' }, body: 'w'.repeat(1024) });
  const raw = (ctx.raw = await openRawH2(ctx.h.port, ctx.pki.ca));
  const zero = Buffer.alloc(6);
  zero.writeUInt16BE(4, 0); // SETTINGS_INITIAL_WINDOW_SIZE 0
  raw.write(Buffer.concat([frame(FrameType.SETTINGS, 0, 0, zero), headers(1, GET)]));
  await raw.until(headersOf(1));
  const ping = async (n: number): Promise<void> => {
    raw.write(frame(FrameType.PING, 0, 0, Buffer.alloc(8, n)));
    await raw.until((f) => f.type === FrameType.PING && (f.flags & 1) !== 0 && f.payload[0] === n);
  };
  ctx.h.timers.advance(29_000);
  const increment = Buffer.alloc(4);
  increment.writeUInt32BE(100, 0);
  raw.write(frame(FrameType.WINDOW_UPDATE, 0, 1, increment));
  await ping(1);
  assert.is(dataBytes(raw, 1), 100, 'a window opened in time: DATA flows, the stall timer starts again');
  ctx.h.timers.advance(29_000);
  await ping(2);
  assert.not.ok(raw.frames.some(isGoaway), '29 s since the last DATA: not yet');
  ctx.h.timers.advance(1_000);
  const goaway = await raw.until(isGoaway);
  assert.is(goawayCode(goaway!), constants.NGHTTP2_ENHANCE_YOUR_CALM);
  await raw.closed;
});

own.run();
