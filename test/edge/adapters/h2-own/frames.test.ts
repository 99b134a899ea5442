/** The own HTTP/2 layer's frame reader (RFC 9113 §3.4 preface, §4.1 frame header, §4.2 size). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CONNECTION_PREFACE, frame, FrameReader, FrameType } from '../../../../edge/adapters/h2/own/frames.js';

function reader(max = 16_384) {
  const seen: [number, number, number, string][] = [];
  const r = new FrameReader(max, { frame: (type, flags, id, payload) => seen.push([type, flags, id, payload.toString('latin1')]) });
  return { r, seen };
}

test('frames split anywhere across chunks (the preface too) come out whole and in order', () => {
  const bytes = Buffer.concat([CONNECTION_PREFACE, frame(FrameType.SETTINGS, 0, 0), frame(FrameType.HEADERS, 5, 1, Buffer.from('abc')), frame(FrameType.DATA, 1, 3, Buffer.from('hello'))]);
  for (let cut = 1; cut < bytes.length; cut++) {
    const { r, seen } = reader();
    assert.is(r.push(bytes.subarray(0, cut)), undefined);
    assert.is(r.push(bytes.subarray(cut)), undefined);
    assert.equal(seen, [[4, 0, 0, ''], [1, 5, 1, 'abc'], [0, 1, 3, 'hello']], `cut at ${cut}`);
  }
});

test('one byte at a time works too', () => {
  const bytes = Buffer.concat([CONNECTION_PREFACE, frame(FrameType.PING, 0, 0, Buffer.alloc(8, 1))]);
  const { r, seen } = reader();
  for (const b of bytes) r.push(Buffer.from([b]));
  assert.is(seen.length, 1);
});

test('a wrong preface is refused at the first byte that differs (an HTTP/1.1 request on an h2 connection)', () => {
  const { r, seen } = reader();
  assert.is(r.push(Buffer.from('GET / HTTP/1.1\r\n')), 'bad connection preface');
  assert.is(seen.length, 0);
});

test('§4.2 a frame longer than our SETTINGS_MAX_FRAME_SIZE is refused from its header alone', () => {
  const { r } = reader(16_384);
  const head = frame(FrameType.DATA, 0, 1, Buffer.alloc(16_385)).subarray(0, 9);
  assert.is(r.push(Buffer.concat([CONNECTION_PREFACE, head])), 'frame too large');
});

test('the stream id\'s reserved bit is ignored (§4.1)', () => {
  const { r, seen } = reader();
  const f = frame(FrameType.HEADERS, 4, 1);
  f[5] = f[5]! | 0x80;
  r.push(Buffer.concat([CONNECTION_PREFACE, f]));
  assert.is(seen[0]![2], 1);
});

test.run();
