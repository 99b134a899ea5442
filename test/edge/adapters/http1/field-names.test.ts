/** Field names lower-cased, with the common ones handed back as one constant (RFC 9110 §5.1). */
const lowerFieldName = (name: string): string => fieldNameAt(`x${name}:`, 1, name.length + 1);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fieldNameAt } from '../../../../edge/adapters/http1/field-names.js';

test('every spelling comes out lower-cased, common names and others alike', () => {
  const rows: Array<[string, string]> = [
    ['User-Agent', 'user-agent'],
    ['user-agent', 'user-agent'],
    ['uSER-aGENT', 'user-agent'],
    ['Sec-CH-UA-Platform', 'sec-ch-ua-platform'],
    ['DNT', 'dnt'],
    ['X-Custom-Thing', 'x-custom-thing'],
    ['x-custom-thing', 'x-custom-thing'],
    ['__Proto__', '__proto__'],
    // Near misses of common names: one character off, or a tchar that bit 0x20 maps onto a letter's place.
    ['User-Agenu', 'user-agenu'],
    ['Accept^Encoding', 'accept^encoding'],
    ['Hos7', 'hos7'],
  ];
  for (const [sent, lower] of rows) assert.is(lowerFieldName(sent), lower, sent);
});

test('a common name is the same constant whichever spelling was sent', () => {
  // Built from bytes, as the parser's slices are, so no two of these are the same string object.
  const fromBytes = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');
  assert.ok(lowerFieldName(fromBytes('Accept-Encoding')) === lowerFieldName(fromBytes('accept-encoding')));
  assert.is(lowerFieldName(fromBytes('Cookie')), 'cookie');
});

test.run();
