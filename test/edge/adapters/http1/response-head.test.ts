/**
 * The own HTTP/1.1 layer's response head (response-head.ts) writes a field only when its name is a
 * token and its value field-content (RFC 9110 §5.5: HTAB, SP, VCHAR, obs-text), the check node:http
 * makes too. The head is written as latin1, so a character above U+00FF would lose its high byte:
 * U+010D U+010A become CR LF and split the response. Such fields are refused, never truncated.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isWritableField, serializeFieldBlock } from '../../../../edge/adapters/http1/response-head.js';

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
}

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
