/**
 * The own HTTP/1.1 layer's response head (response-head.ts) writes a field only when its name is a
 * token and its value field-content (RFC 9110 §5.5: HTAB, SP, VCHAR, obs-text), the check node:http
 * makes too. The head is written as latin1, so a character above U+00FF would lose its high byte:
 * U+010D U+010A become CR LF and split the response. Such fields are refused, never truncated.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkChangingFields, isWritableField, serializeChangingFields, serializeFieldBlock, writeChangingFields } from '../../../../edge/adapters/http1/response-head.js';

const REFUSED_VALUES: Array<[string, string]> = [
  ['U+010D U+010A (CR LF in latin1)', 'a\u010d\u010aSet-Cookie: s=evil'],
  ['U+0100 (NUL in latin1)', 'a\u0100b'],
  ['U+20AC', 'caf\u20ac'],
  ['CR LF', 'a\r\nb'],
  ['LF', 'a\nb'],
  ['NUL', 'a\0b'],
  ['a C0 control', 'a\x01b'],
  ['DEL', 'a\x7fb'],
];

for (const [label, value] of REFUSED_VALUES) {
  test(`a value with ${label} is refused, not written`, () => {
    assert.is(isWritableField('x', value), false);
    assert.throws(() => serializeFieldBlock(200, ['x', value]));
  });

  test(`a per-response (changing) value with ${label} is refused too, also under a hit's own names`, () => {
    for (const name of ['x', 'age', 'cache-status']) {
      assert.throws(() => checkChangingFields(['content-length', '1', name, value], 2));
      assert.throws(() => serializeChangingFields(['content-length', '1', name, value], 2));
    }
  });
}

test('changing fields: a framing field or a name that is not a token is refused', () => {
  for (const name of ['content-length', 'Date', 'connection', 'transfer-encoding', 'keep-alive', 'x y', '']) {
    assert.throws(() => checkChangingFields([name, '1'], 0), undefined, name);
  }
});

test('changing fields written as bytes are the serialized text, byte for byte (obs-text included)', () => {
  const headers = ['etag', '"x"', 'age', '12', 'cache-status', 'edge; hit; ttl=7', 'x-note', 'caf\u00e9\tok'];
  const text = serializeChangingFields(headers, 2);
  const target = Buffer.alloc(checkChangingFields(headers, 2) + 2, 0xee);
  const end = writeChangingFields(target, 1, headers, 2);
  assert.is(end, 1 + text.length);
  assert.is(target.toString('latin1', 1, end), text);
  assert.is(target[0], 0xee);
  assert.is(target[end], 0xee);
});

for (const name of ['x y', 'x:y', '', 'x\r\nset-cookie', 'caf\u00e9']) {
  test(`a name ${JSON.stringify(name)} that is not a token is refused`, () => {
    assert.is(isWritableField(name, '1'), false);
    assert.throws(() => serializeFieldBlock(200, [name, '1']));
  });
}

test('HTAB, SP, VCHAR and obs-text are written, byte for byte', () => {
  const value = 'caf\u00e9\tbar \u00ff~';
  assert.ok(isWritableField('x', value));
  const block = serializeFieldBlock(200, ['x', value]);
  assert.is(block.bytes.toString('latin1'), `HTTP/1.1 200 OK\r\nx: ${value}\r\n`);
});

test.run();
