import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { h2ResponseFields } from '../../../edge/adapters/h2/response-fields.js';

test('RFC 9113 §8.2.2: connection-specific fields and the ones Connection names are dropped', () => {
  const fields = h2ResponseFields(['Connection', 'close, x-private', 'Keep-Alive', 'timeout=5', 'transfer-encoding', 'chunked', 'upgrade', 'h2c', 'proxy-connection', 'x', 'x-private', 'y', 'content-type', 'text/plain']);
  assert.equal(fields, { 'content-type': 'text/plain' });
});

test('repeated fields stay separate values (Set-Cookie must not be joined)', () => {
  assert.equal(h2ResponseFields(['set-cookie', 'a=1', 'Set-Cookie', 'b=2', 'set-cookie', 'c=3']), { 'set-cookie': ['a=1', 'b=2', 'c=3'] });
});

test.run();
