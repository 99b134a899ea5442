/**
 * Attacker's review of the own layer's FrameReader: bytes split at every offset and in one-byte
 * pieces give the same frames as one chunk, and an unfinished frame is joined once when it is
 * complete (one Buffer.concat per frame, not one per piece: a frame sent in one-byte TLS records
 * cost time quadratic in its length before).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CONNECTION_PREFACE, frame, FrameReader } from '../../../../edge/adapters/h2/own/frames.js';

type Seen = [number, number, number, string];
const read = (pieces: Buffer[]): { frames: Seen[]; fault: string | undefined } => {
  const frames: Seen[] = [];
  const r = new FrameReader(16_384, { frame: (t, f, id, p) => void frames.push([t, f, id, p.toString('hex')]) });
  let fault: string | undefined;
  for (const p of pieces) fault ??= r.push(p);
  return { frames, fault };
};
const stream = Buffer.concat([CONNECTION_PREFACE, frame(4, 0, 0), frame(1, 5, 1, Buffer.from('abcdef')), frame(0xfa, 0, 0, Buffer.alloc(300, 7)), frame(0, 1, 1)]);

test('split at every offset: the same frames as one chunk', () => {
  const whole = read([stream]);
  assert.is(whole.frames.length, 4);
  for (let i = 0; i <= stream.length; i++) assert.equal(read([stream.subarray(0, i), stream.subarray(i)]), whole, `split at ${i}`);
});

test('one byte at a time: the same frames, and one join per unfinished frame', () => {
  const concat = Buffer.concat;
  let joins = 0;
  Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
    joins++;
    return concat(list, total);
  }) as typeof Buffer.concat;
  try {
    const pieces = [...stream].map((b) => Buffer.from([b]));
    assert.equal(read(pieces), read([stream]));
    joins = 0;
    read(pieces);
  } finally {
    Buffer.concat = concat;
  }
  // preface, then per frame: its header (9 bytes), then its payload when it has one
  assert.ok(joins <= 1 + 4 * 2, `joins: ${joins}`);
});

test('a bad preface is found whichever way it is split; a frame over the limit is found from its header alone', () => {
  const bad = Buffer.from('PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n', 'latin1');
  assert.is(read([...bad].map((b) => Buffer.from([b]))).fault, 'bad connection preface');
  const big = Buffer.concat([CONNECTION_PREFACE, frame(0xfa, 0, 0, Buffer.alloc(16_385)).subarray(0, 9)]);
  assert.is(read([...big].map((b) => Buffer.from([b]))).fault, 'frame too large');
});

test.run();
