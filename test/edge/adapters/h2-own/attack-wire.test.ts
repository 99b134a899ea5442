/**
 * Attacker's review of the own HTTP/2 layer on the wire (RFC 9113): hostile frames written by
 * hand to a test edge on 127.0.0.1, each answered as the RFC says (GOAWAY with the right code,
 * RST_STREAM, ignored), and where only a stream is at fault, the connection serves on.
 */
import { constants } from 'node:http2';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeField } from '../../../../edge/adapters/h2/own/hpack-encoder.js';
import type { Http2Limits } from '../../../../edge/adapters/tls/config.js';
import { frame, goawayCode, openRawH2, type Frame, type RawH2 } from '../../../support/h2-frames.js';
import { startHttpsEdge, type HttpsEdge } from '../../../support/https-edge.js';
import { createTestPki, type TestCertificate, type TestPki } from '../../../support/test-certificates.js';

/** RFC 7541 §5.1 integer with a 7-bit prefix. */
function int7(value: number): number[] {
  if (value < 127) return [value];
  const out = [127];
  value -= 127;
  while (value >= 128) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}
/** A literal (RFC 7541 §6.2) with a literal name; `first` 0x40 incremental indexing, 0x00 without. */
function literal(first: number, name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([first, ...int7(name.length)]), Buffer.from(name, 'latin1'), Buffer.from(int7(value.length)), Buffer.from(value, 'latin1')]);
}

const T = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;

type Ctx = { pki: TestPki; localhost: TestCertificate; h?: HttpsEdge; raws: RawH2[] };

const block = (fields: [string, string][]): Buffer => Buffer.concat(fields.map(([n, v]) => encodeField(n, v)));
const GET: [string, string][] = [[':method', 'GET'], [':scheme', 'https'], [':authority', 'localhost'], [':path', '/p']];
const POST: [string, string][] = [[':method', 'POST'], [':scheme', 'https'], [':authority', 'localhost'], [':path', '/upload']];
const headers = (streamId: number, fields: [string, string][], flags = END_STREAM | END_HEADERS): Buffer => frame(T.HEADERS, flags, streamId, block(fields));
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
};
const setting = (id: number, value: number): Buffer => {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(id, 0);
  b.writeUInt32BE(value >>> 0, 2);
  return b;
};
const isGoaway = (f: Frame): boolean => f.type === T.GOAWAY;
const resetOf = (id: number) => (f: Frame): boolean => f.type === T.RST_STREAM && f.streamId === id;
const headersOf = (id: number) => (f: Frame): boolean => f.type === T.HEADERS && f.streamId === id;
const statusOf = (f: Frame): number | undefined => {
  // the edge's encoder: :status as an indexed static entry (8..14) or a literal with name index 8
  const b = f.payload[0]!;
  const indexed: Record<number, number> = { 0x88: 200, 0x89: 204, 0x8a: 206, 0x8b: 304, 0x8c: 400, 0x8d: 404, 0x8e: 500 };
  if (indexed[b] !== undefined) return indexed[b];
  const text = f.payload.subarray(0, 8).toString('latin1').match(/[0-9]{3}/);
  return text === null ? undefined : Number(text[0]);
};
/** How a stream ended first: reset (its code), answered (its status), or the connection's GOAWAY. */
const outcomeOf = async (raw: RawH2, id: number): Promise<string> => {
  const f = await raw.until((x) => resetOf(id)(x) || headersOf(id)(x) || isGoaway(x));
  if (f === undefined) return 'closed';
  if (f.type === T.RST_STREAM) return `reset ${f.payload.readUInt32BE(0)}`;
  return f.type === T.GOAWAY ? `goaway ${goawayCode(f)}` : `answered ${statusOf(f)}`;
};
const goawayOf = async (raw: RawH2): Promise<number | undefined> => {
  const f = await raw.until(isGoaway);
  return f === undefined ? undefined : goawayCode(f);
};

const s = suite<Ctx>('h2 own layer under attack, frame by frame');
s.before((ctx) => {
  ctx.pki = createTestPki();
  ctx.localhost = ctx.pki.issue('localhost');
  ctx.raws = [];
});
s.after((ctx) => ctx.pki.remove());
s.after.each(async (ctx) => {
  for (const r of ctx.raws.splice(0)) r.socket.destroy();
  await ctx.h?.close();
  ctx.h = undefined;
});
const start = async (ctx: Ctx, http2: Partial<Http2Limits> = {}): Promise<RawH2> => {
  ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { http2: { ...http2, server: 'own' } });
  ctx.h.origin.answer = () => ({ headers: { 'cache-control': 'max-age=60' }, body: 'x'.repeat(1024) });
  return connect(ctx);
};
const connect = async (ctx: Ctx): Promise<RawH2> => {
  const raw = await openRawH2(ctx.h!.port, ctx.pki.ca);
  ctx.raws.push(raw);
  return raw;
};
/** The edge still serves: a fresh connection gets an answer. */
const stillServes = async (ctx: Ctx): Promise<void> => {
  const other = await connect(ctx);
  other.write(headers(1, GET));
  assert.is(await outcomeOf(other, 1), 'answered 200', 'another client is served');
};

// ---- HPACK on the wire ----

s('HPACK faults on the wire end the connection with COMPRESSION_ERROR; the edge serves others', async (ctx) => {
  await start(ctx);
  const bad: Buffer[] = [
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]), // index past 2^31
    Buffer.from([0x00, 0x81, 0x18, 0x01, 0x61]), // Huffman padding of zeros
    Buffer.from([0x82, 0x3f, 0xe1, 0x1f]), // table size update after a field
    Buffer.from([0x3f, 0xe2, 0x1f]), // table size update to 4097
    Buffer.from([0x80]), // index 0
  ];
  for (const b of bad) {
    const raw = await connect(ctx);
    raw.write(frame(T.HEADERS, END_STREAM | END_HEADERS, 1, b));
    assert.is(await goawayOf(raw), constants.NGHTTP2_COMPRESSION_ERROR, b.toString('hex'));
    await raw.closed;
  }
  await stillServes(ctx);
});

s('HPACK bomb over HEADERS + CONTINUATION (a 4 KiB entry referenced ~20,000 times): 431, the connection serves on', async (ctx) => {
  const raw = await start(ctx);
  const b = Buffer.concat([Buffer.from([0x82, 0x87, 0x84]), literal(0x00, ':authority', 'localhost'), literal(0x40, 'x-b', 'v'.repeat(4000)), Buffer.alloc(20_000, 0xbe)]);
  raw.write(Buffer.concat([frame(T.HEADERS, END_STREAM, 1, b.subarray(0, 16_000)), frame(T.CONTINUATION, END_HEADERS, 1, b.subarray(16_000))]));
  assert.is(await outcomeOf(raw, 1), 'answered 431');
  raw.write(headers(3, GET));
  assert.is(await outcomeOf(raw, 3), 'answered 200');
  assert.is(ctx.h!.origin.requests.length, 1, 'the bomb never reached the origin');
});

s('HPACK dynamic table is per connection: an entry one client inserted is not there for another', async (ctx) => {
  const a = await start(ctx);
  a.write(frame(T.HEADERS, END_STREAM | END_HEADERS, 1, Buffer.concat([block(GET), literal(0x40, 'x-secret', 'alice')])));
  assert.is(await outcomeOf(a, 1), 'answered 200');
  const b = await connect(ctx);
  b.write(frame(T.HEADERS, END_STREAM | END_HEADERS, 1, Buffer.concat([block(GET), Buffer.from([0xbe])])));
  assert.is(await goawayOf(b), constants.NGHTTP2_COMPRESSION_ERROR);
  // and on a's own connection, index 62 is its entry
  a.write(frame(T.HEADERS, END_STREAM | END_HEADERS, 3, Buffer.concat([block([...GET.slice(0, 3), [':path', '/q']]), Buffer.from([0xbe])])));
  assert.is(await outcomeOf(a, 3), 'answered 200');
  assert.is(ctx.h!.origin.requests.at(-1)!.headers['x-secret'], 'alice');
});

// ---- framing ----

const CONNECTION_ERRORS: { name: string; bytes: (open: Buffer) => Buffer; code: number }[] = [
  { name: 'a frame over SETTINGS_MAX_FRAME_SIZE (16,385 bytes)', bytes: () => frame(0xfa, 0, 0, Buffer.alloc(16_385)), code: constants.NGHTTP2_FRAME_SIZE_ERROR },
  { name: 'SETTINGS of 5 bytes', bytes: () => frame(T.SETTINGS, 0, 0, Buffer.alloc(5)), code: constants.NGHTTP2_FRAME_SIZE_ERROR },
  { name: 'SETTINGS ACK with a payload', bytes: () => frame(T.SETTINGS, 1, 0, Buffer.alloc(6)), code: constants.NGHTTP2_FRAME_SIZE_ERROR },
  { name: 'PING of 7 bytes', bytes: () => frame(T.PING, 0, 0, Buffer.alloc(7)), code: constants.NGHTTP2_FRAME_SIZE_ERROR },
  { name: 'WINDOW_UPDATE of 3 bytes', bytes: () => frame(T.WINDOW_UPDATE, 0, 0, Buffer.alloc(3)), code: constants.NGHTTP2_FRAME_SIZE_ERROR },
  { name: 'RST_STREAM of 3 bytes on an open stream', bytes: (open) => Buffer.concat([open, frame(T.RST_STREAM, 0, 1, Buffer.alloc(3))]), code: constants.NGHTTP2_FRAME_SIZE_ERROR },
  { name: 'HEADERS with padding longer than the frame', bytes: () => frame(T.HEADERS, END_STREAM | END_HEADERS | PADDED, 1, Buffer.concat([Buffer.from([200]), block(GET)])), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'DATA with padding as long as the frame', bytes: (open) => Buffer.concat([open, frame(T.DATA, PADDED, 1, Buffer.from([4, 0, 0, 0]))]), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'DATA on stream 0', bytes: () => frame(T.DATA, 0, 0, Buffer.alloc(1)), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'HEADERS on stream 0', bytes: () => frame(T.HEADERS, END_STREAM | END_HEADERS, 0, block(GET)), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'HEADERS on an even (server) stream', bytes: () => headers(2, GET), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'SETTINGS on a stream', bytes: () => frame(T.SETTINGS, 0, 1), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'PING on a stream', bytes: () => frame(T.PING, 0, 1, Buffer.alloc(8)), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'PRIORITY on stream 0', bytes: () => frame(T.PRIORITY, 0, 0, Buffer.alloc(5)), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'RST_STREAM on stream 0', bytes: () => frame(T.RST_STREAM, 0, 0, u32(0)), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'RST_STREAM on an idle stream', bytes: () => frame(T.RST_STREAM, 0, 7, u32(0)), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'WINDOW_UPDATE on an idle stream', bytes: () => frame(T.WINDOW_UPDATE, 0, 7, u32(1)), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'DATA on an idle stream', bytes: () => frame(T.DATA, 0, 7, Buffer.alloc(1)), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'PUSH_PROMISE from the client', bytes: () => frame(T.PUSH_PROMISE, END_HEADERS, 1, Buffer.alloc(4)), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'GOAWAY on a stream', bytes: () => frame(T.GOAWAY, 0, 1, Buffer.alloc(8)), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'CONTINUATION without HEADERS', bytes: () => frame(T.CONTINUATION, END_HEADERS, 1, block(GET)), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'a PING inside a header block', bytes: () => Buffer.concat([headers(1, GET, END_STREAM), frame(T.PING, 0, 0, Buffer.alloc(8)), frame(T.CONTINUATION, END_HEADERS, 1)]), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'CONTINUATION on another stream', bytes: () => Buffer.concat([headers(1, GET, END_STREAM), frame(T.CONTINUATION, END_HEADERS, 3)]), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'a decreasing stream id (5 then 3)', bytes: () => Buffer.concat([headers(5, GET), headers(3, GET)]), code: constants.NGHTTP2_STREAM_CLOSED },
  { name: 'WINDOW_UPDATE of 0 on the connection', bytes: () => frame(T.WINDOW_UPDATE, 0, 0, u32(0)), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'the connection window past 2^31-1', bytes: () => frame(T.WINDOW_UPDATE, 0, 0, u32(2 ** 31 - 1)), code: constants.NGHTTP2_FLOW_CONTROL_ERROR },
  { name: 'SETTINGS_INITIAL_WINDOW_SIZE 2^31', bytes: () => frame(T.SETTINGS, 0, 0, setting(4, 2 ** 31)), code: constants.NGHTTP2_FLOW_CONTROL_ERROR },
  { name: 'SETTINGS_INITIAL_WINDOW_SIZE that overflows an open stream\'s window', bytes: (open) => Buffer.concat([open, frame(T.WINDOW_UPDATE, 0, 1, u32(2 ** 31 - 1 - 65_535)), frame(T.SETTINGS, 0, 0, setting(4, 65_536))]), code: constants.NGHTTP2_FLOW_CONTROL_ERROR },
  { name: 'SETTINGS_MAX_FRAME_SIZE below 16,384', bytes: () => frame(T.SETTINGS, 0, 0, setting(5, 100)), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'SETTINGS_ENABLE_PUSH 2', bytes: () => frame(T.SETTINGS, 0, 0, setting(2, 2)), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'HEADERS after END_STREAM on a stream still open on the edge\'s side', bytes: (open) => Buffer.concat([open, frame(T.DATA, END_STREAM, 1), frame(T.HEADERS, END_STREAM | END_HEADERS, 1, block([['x-t', '1']]))]), code: constants.NGHTTP2_STREAM_CLOSED },
];

for (const row of CONNECTION_ERRORS) {
  s(`connection error, ${row.name}: GOAWAY ${row.code}, the connection closes, the edge serves others`, async (ctx) => {
    const raw = await start(ctx);
    // A POST whose body never ends: stream 1 stays open (the origin waits for it) while the hostile frame arrives.
    raw.write(row.bytes(headers(1, POST, END_HEADERS)));
    assert.is(await goawayOf(raw), row.code);
    await raw.closed;
    await stillServes(ctx);
  });
}

const STREAM_ERRORS: { name: string; bytes: (open: Buffer) => Buffer; code: number }[] = [
  { name: 'PRIORITY of 4 bytes', bytes: () => frame(T.PRIORITY, 0, 1, Buffer.alloc(4)), code: constants.NGHTTP2_FRAME_SIZE_ERROR },
  { name: 'WINDOW_UPDATE of 0 on a stream', bytes: (open) => Buffer.concat([open, frame(T.WINDOW_UPDATE, 0, 1, u32(0))]), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'a stream window past 2^31-1', bytes: (open) => Buffer.concat([open, frame(T.WINDOW_UPDATE, 0, 1, u32(2 ** 31 - 1))]), code: constants.NGHTTP2_FLOW_CONTROL_ERROR },
  { name: 'DATA beyond Content-Length (smuggling a second body)', bytes: () => Buffer.concat([headers(1, [...POST, ['content-length', '5']], END_HEADERS), frame(T.DATA, 0, 1, Buffer.from('helloGET /x'))]), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'END_STREAM short of Content-Length', bytes: () => Buffer.concat([headers(1, [...POST, ['content-length', '10']], END_HEADERS), frame(T.DATA, END_STREAM, 1, Buffer.from('hello'))]), code: constants.NGHTTP2_PROTOCOL_ERROR },
  { name: 'trailers without END_STREAM', bytes: (open) => Buffer.concat([open, frame(T.HEADERS, END_HEADERS, 1, block([['x-t', '1']]))]), code: constants.NGHTTP2_PROTOCOL_ERROR },
];

for (const row of STREAM_ERRORS) {
  s(`stream error, ${row.name}: RST_STREAM ${row.code}, and the next stream is served`, async (ctx) => {
    const raw = await start(ctx);
    raw.write(row.bytes(headers(1, POST, END_HEADERS)));
    assert.is(await outcomeOf(raw, 1), `reset ${row.code}`);
    raw.write(headers(3, GET));
    assert.is(await outcomeOf(raw, 3), 'answered 200');
    assert.not.ok(raw.frames.some(isGoaway));
  });
}

s('unknown frame types, PRIORITY frames and an unknown SETTINGS id are ignored; the request is answered', async (ctx) => {
  const raw = await start(ctx);
  raw.write(Buffer.concat([frame(0xfa, 0xff, 0, Buffer.alloc(100)), frame(0x20, 0, 1, Buffer.alloc(3)), frame(T.SETTINGS, 0, 0, setting(0x99, 7)), frame(T.PRIORITY, 0, 1, Buffer.alloc(5)), frame(T.PRIORITY, 0, 1, Buffer.from([0, 0, 0, 1, 0])), headers(1, GET)]));
  assert.is(await outcomeOf(raw, 1), 'answered 200');
});

s('a request split at every byte (preface, SETTINGS, HEADERS over CONTINUATION, DATA) is one request', async (ctx) => {
  ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { http2: { server: 'own' } });
  ctx.h.origin.answer = () => ({ headers: {}, body: 'ok' });
  const { connect: tlsConnect } = await import('node:tls');
  const b = block([...POST, ['content-length', '5'], ['x-long', 'y'.repeat(40)]]);
  const all = Buffer.concat([
    Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
    frame(T.SETTINGS, 0, 0),
    frame(T.HEADERS, 0, 1, b.subarray(0, 30)),
    frame(T.CONTINUATION, END_HEADERS, 1, b.subarray(30)),
    frame(T.DATA, PADDED, 1, Buffer.concat([Buffer.from([3]), Buffer.from('he'), Buffer.alloc(3)])),
    frame(T.DATA, END_STREAM, 1, Buffer.from('llo')),
  ]);
  const socket = tlsConnect({ host: '127.0.0.1', port: ctx.h.port, ca: ctx.pki.ca, servername: 'localhost', ALPNProtocols: ['h2'] });
  await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
  let received = Buffer.alloc(0);
  const answered = new Promise<void>((resolve) =>
    socket.on('data', (c: Buffer) => {
      received = Buffer.concat([received, c]);
      // a HEADERS frame on stream 1
      for (let at = 0; at + 9 <= received.length; at += 9 + received.readUIntBE(at, 3)) {
        if (received[at + 3] === T.HEADERS && received.readUInt32BE(at + 5) === 1) resolve();
      }
    }),
  );
  // one TLS record per byte, each its own 'data' on the edge
  for (let i = 0; i < all.length; i++) await new Promise<void>((resolve) => socket.write(all.subarray(i, i + 1), () => resolve()));
  await answered;
  socket.destroy();
  assert.is(ctx.h.origin.requests.length, 1);
  assert.is(ctx.h.origin.requests[0]!.headers['content-length'], '5');
  assert.is(ctx.h.origin.requests[0]!.headers['x-long'], 'y'.repeat(40));
});

s('CONTINUATION flood (no END_HEADERS ever): GOAWAY ENHANCE_YOUR_CALM after a bounded number of frames', async (ctx) => {
  const raw = await start(ctx);
  const parts = [headers(1, GET, END_STREAM)];
  for (let i = 0; i < 200; i++) parts.push(frame(T.CONTINUATION, 0, 1, Buffer.alloc(10, 0x82)));
  raw.write(Buffer.concat(parts));
  assert.is(await goawayOf(raw), constants.NGHTTP2_ENHANCE_YOUR_CALM);
  await raw.closed;
});

s('CONTINUATION flood of large frames: stopped at twice the header list limit, not after', async (ctx) => {
  const raw = await start(ctx, { maxHeaderListBytes: 4096 });
  const parts = [headers(1, GET, END_STREAM)];
  for (let i = 0; i < 10; i++) parts.push(frame(T.CONTINUATION, 0, 1, Buffer.alloc(16_000, 0x82)));
  raw.write(Buffer.concat(parts));
  assert.is(await goawayOf(raw), constants.NGHTTP2_ENHANCE_YOUR_CALM);
});

// ---- streams ----

s('more streams than MAX_CONCURRENT_STREAMS: RST_STREAM REFUSED_STREAM, the open ones unaffected', async (ctx) => {
  const raw = await start(ctx, { maxConcurrentStreams: 2 });
  raw.write(Buffer.concat([headers(1, POST, END_HEADERS), headers(3, POST, END_HEADERS), headers(5, GET)]));
  assert.is(await outcomeOf(raw, 5), `reset ${constants.NGHTTP2_REFUSED_STREAM}`);
  raw.write(frame(T.DATA, END_STREAM, 1, Buffer.from('a')));
  assert.is(await outcomeOf(raw, 1), 'answered 200');
  raw.write(headers(7, GET));
  assert.is(await outcomeOf(raw, 7), 'answered 200');
});

s('rapid reset (CVE-2023-44487): HEADERS + RST_STREAM over and over ends with GOAWAY ENHANCE_YOUR_CALM', async (ctx) => {
  const raw = await start(ctx, { maxResetsPerWindow: 50 });
  const parts: Buffer[] = [];
  for (let id = 1; id < 2 * 200; id += 2) parts.push(headers(id, [...GET.slice(0, 3), [':path', `/r${id}`]]), frame(T.RST_STREAM, 0, id, u32(8)));
  raw.write(Buffer.concat(parts));
  assert.is(await goawayOf(raw), constants.NGHTTP2_ENHANCE_YOUR_CALM);
  await raw.closed;
  assert.ok(ctx.h!.origin.requests.length <= 60, `origin requests: ${ctx.h!.origin.requests.length}`);
});

s('DATA after the request ended (a stream the edge already answered): ignored, window returned, connection serves on', async (ctx) => {
  const raw = await start(ctx);
  raw.write(headers(1, GET));
  assert.is(await outcomeOf(raw, 1), 'answered 200');
  raw.write(Buffer.concat([frame(T.DATA, 0, 1, Buffer.alloc(1000)), headers(3, GET)]));
  assert.is(await outcomeOf(raw, 3), 'answered 200');
});

s('trailers after a body are accepted and not forwarded as fields', async (ctx) => {
  const raw = await start(ctx);
  ctx.h!.origin.answer = () => ({ headers: {}, body: 'ok' });
  raw.write(Buffer.concat([headers(1, POST, END_HEADERS), frame(T.DATA, 0, 1, Buffer.from('abc')), frame(T.HEADERS, END_STREAM | END_HEADERS, 1, block([['x-trailer', 'evil']]))]));
  assert.is(await outcomeOf(raw, 1), 'answered 200');
  assert.is(ctx.h!.origin.requests.length, 1);
  assert.is(ctx.h!.origin.requests[0]!.headers['x-trailer'], undefined);
});

const noPath = GET.slice(0, 3);
const MALFORMED: { name: string; fields: [string, string][] }[] = [
  { name: ':path without a leading slash', fields: [...noPath, [':path', 'p']] },
  { name: ':path in absolute form naming another host', fields: [...noPath, [':path', 'https://other.example/p']] },
  { name: ':path * for GET', fields: [...noPath, [':path', '*']] },
  { name: ':method empty', fields: [[':method', ''], [':scheme', 'https'], [':authority', 'localhost'], [':path', '/p']] },
  { name: ':status in a request', fields: [...GET, [':status', '200']] },
  { name: 'a field name with a space', fields: [...GET, ['x a', '1']] },
  { name: 'a field name with a colon inside', fields: [...GET, ['x:a', '1']] },
  { name: 'an empty field name', fields: [...GET, ['', '1']] },
  { name: 'a value with NUL', fields: [...GET, ['x-a', 'a\u0000b']] },
  { name: 'a value with CR', fields: [...GET, ['x-a', 'a\rb']] },
  { name: 'a value with leading space', fields: [...GET, ['x-a', ' a']] },
  { name: 'transfer-encoding', fields: [...POST, ['transfer-encoding', 'chunked']] },
  { name: 'upgrade', fields: [...GET, ['upgrade', 'h2c']] },
  { name: 'two different Content-Length values', fields: [...POST, ['content-length', '1'], ['content-length', '2']] },
  { name: 'Content-Length with a sign', fields: [...POST, ['content-length', '+1']] },
];
for (const row of MALFORMED) {
  s(`malformed, ${row.name}: RST_STREAM PROTOCOL_ERROR, nothing reaches the origin, the next stream is served`, async (ctx) => {
    const raw = await start(ctx);
    raw.write(headers(1, row.fields));
    assert.is(await outcomeOf(raw, 1), `reset ${constants.NGHTTP2_PROTOCOL_ERROR}`);
    raw.write(headers(3, GET));
    assert.is(await outcomeOf(raw, 3), 'answered 200');
    assert.is(ctx.h!.origin.requests.length, 1);
  });
}

s(':authority and Host naming different hosts: 400, nothing reaches the origin', async (ctx) => {
  const raw = await start(ctx);
  raw.write(headers(1, [...GET, ['host', 'other.example']]));
  assert.is(await outcomeOf(raw, 1), 'answered 400');
  assert.is(ctx.h!.origin.requests.length, 0);
});

s('neither :authority nor Host, on an edge keyed by the request\'s host: refused, nothing reaches the origin', async (ctx) => {
  ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { http2: { server: 'own' }, edge: { keyHost: 'request' } });
  const raw = await connect(ctx);
  raw.write(headers(1, [[':method', 'GET'], [':scheme', 'https'], [':path', '/p']]));
  const out = await outcomeOf(raw, 1);
  // node:http2 (nghttp2) resets it as malformed; the own layer leaves it to the pipeline, which answers 400 missing-host
  assert.ok(out === 'answered 400' || out === `reset ${constants.NGHTTP2_PROTOCOL_ERROR}`, out);
  assert.is(ctx.h.origin.requests.length, 0);
});

s('CONNECT (not a proxy): not forwarded to the origin', async (ctx) => {
  const raw = await start(ctx);
  raw.write(headers(1, [[':method', 'CONNECT'], [':authority', 'other.example:443']]));
  const out = await outcomeOf(raw, 1);
  assert.ok(out !== 'answered 200', out);
  raw.write(headers(3, GET));
  assert.is(await outcomeOf(raw, 3), 'answered 200');
  assert.is(ctx.h!.origin.requests.length, 1);
});

// ---- floods ----

s('empty DATA frame flood: GOAWAY ENHANCE_YOUR_CALM', async (ctx) => {
  const raw = await start(ctx, { maxControlFramesPerWindow: 100 });
  const parts = [headers(1, POST, END_HEADERS)];
  for (let i = 0; i < 500; i++) parts.push(frame(T.DATA, 0, 1));
  raw.write(Buffer.concat(parts));
  assert.is(await goawayOf(raw), constants.NGHTTP2_ENHANCE_YOUR_CALM);
});

s('malformed-stream flood: GOAWAY ENHANCE_YOUR_CALM after maxSessionInvalidFrames', async (ctx) => {
  const raw = await start(ctx, { maxSessionInvalidFrames: 20 });
  const parts: Buffer[] = [];
  for (let id = 1; id < 2 * 100; id += 2) parts.push(headers(id, [...GET, ['X-Upper', '1']]));
  raw.write(Buffer.concat(parts));
  assert.is(await goawayOf(raw), constants.NGHTTP2_ENHANCE_YOUR_CALM);
});

s('a client that never sends the preface is closed at the idle timeout (manual timers)', async (ctx) => {
  ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { http2: { server: 'own' }, keepAliveTimeoutMs: 5_000 });
  const { connect: tlsConnect } = await import('node:tls');
  const socket = tlsConnect({ host: '127.0.0.1', port: ctx.h.port, ca: ctx.pki.ca, servername: 'localhost', ALPNProtocols: ['h2'] });
  await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.resume();
  socket.write('PRI * HTTP/2.0\r\n'); // half a preface, then nothing
  // a round trip on another connection: the edge has read what this one sent
  await stillServes(ctx);
  ctx.h.timers.advance(5_000);
  await closed;
});

s('a client that closes mid-frame (half a HEADERS frame) does not disturb others', async (ctx) => {
  const raw = await start(ctx);
  const f = headers(1, GET);
  raw.write(f.subarray(0, 12));
  raw.socket.destroy();
  await raw.closed;
  await stillServes(ctx);
});

s.run();
