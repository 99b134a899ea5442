/** The chunked decoder: data at every split, extensions and trailers strict and bounded. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChunkedDecoder } from '../../../../edge/adapters/http1/chunked.js';

/** Feeds `text` in two parts split at `at`, carrying unconsumed bytes over as the connection does. */
function decodeSplit(text: string, at: number, limits?: { maxExtensionBytes: number; maxTrailerBytes: number }): { data: string; rest: string } | { error: string } {
  const d = new ChunkedDecoder(limits);
  let pending = Buffer.alloc(0);
  const out: Buffer[] = [];
  for (const part of [text.slice(0, at), text.slice(at)]) {
    pending = Buffer.concat([pending, Buffer.from(part, 'latin1')]);
    if (d.done) break;
    const r = d.decode(pending);
    if (!r.ok) return { error: r.reason };
    out.push(...r.chunks.map((c) => Buffer.from(c)));
    pending = pending.subarray(r.consumed);
  }
  if (!d.done) return { error: 'not done' };
  return { data: Buffer.concat(out).toString('latin1'), rest: pending.toString('latin1') };
}

test('chunks, an extension and a trailer decode the same at every split point; what follows is left', () => {
  const text = '5;name=val;q="a b";flag\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nGET';
  for (let at = 0; at <= text.length; at++) {
    assert.equal(decodeSplit(text, at), { data: 'hello 0123456789', rest: 'GET' }, `split at ${at}`);
  }
});

test('rejected: bad sizes, missing CRLF after data, bare CR/LF, bad extensions, oversized extensions and trailers', () => {
  const bad: Array<[string, RegExp]> = [
    ['x\r\n', /invalid chunk size/],
    ['\r\n', /invalid chunk size/],
    ['FFFFFFFFFFFFFF\r\n', /too large/],
    ['3\r\nabcX\r\n', /CRLF/],
    ['3\nabc\r\n', /bare LF/],
    ['3\rabc', /bare CR/],
    ['3;\r\nabc\r\n0\r\n\r\n', /invalid chunk extension/],
    ['3 x\r\nabc\r\n0\r\n\r\n', /invalid chunk extension/],
    ['3 ;a\r\nabc\r\n0\r\n\r\n', /invalid chunk extension/],
    ['3;a = b\r\nabc\r\n0\r\n\r\n', /invalid chunk extension/],
    ['3;a=\x01\r\nabc\r\n0\r\n\r\n', /invalid chunk extension/],
    [`3;a=${'b'.repeat(2000)}\r\nabc\r\n0\r\n\r\n`, /oversized chunk extension/],
    ['0\r\nbad trailer\r\n\r\n', /invalid trailer/],
    [`0\r\nX: ${'a'.repeat(9000)}\r\n\r\n`, /trailer section too large/],
    ['-1\r\n', /invalid chunk size/],
  ];
  for (const [text, reason] of bad) {
    const r = decodeSplit(text, text.length);
    assert.ok('error' in r, `${JSON.stringify(text.slice(0, 40))} should fail`);
    if ('error' in r) assert.match(r.error, reason);
  }
});

test.run();
