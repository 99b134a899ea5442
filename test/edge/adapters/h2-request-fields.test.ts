/** An HTTP/2 request's header object: the same kind the HTTP/1.1 layers hand over. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { h2RequestFields } from '../../../edge/adapters/h2/request-fields.js';

const LIMIT = 64 * 1024;

function fieldsOf(raw: Record<string, string | string[]>): Record<string, string | string[]> {
  const mapped = h2RequestFields(raw, LIMIT);
  if (!('headers' in mapped)) throw new Error(`refused: ${mapped.refused.malformed}`);
  return mapped.headers as Record<string, string | string[]>;
}

test('two browsers sending the same fields in different orders get header objects with one field order: Host first, the common names in their order', () => {
  const chrome = fieldsOf({ ':method': 'GET', ':path': '/a', ':authority': 'cdn.example', 'user-agent': 'C', accept: '*/*', 'x-custom': '1', 'accept-encoding': 'gzip', cookie: 'a=1' });
  const firefox = fieldsOf({ ':method': 'GET', ':authority': 'cdn.example', ':path': '/a', cookie: 'a=1', 'x-custom': '1', 'accept-encoding': 'gzip', accept: '*/*', 'user-agent': 'F' });
  assert.equal(Object.keys(chrome), Object.keys(firefox));
  assert.is(Object.keys(chrome)[0], 'host');
  assert.is(Object.keys(chrome).at(-1), 'x-custom');
  assert.equal({ ...chrome, 'user-agent': 'F' }, { ...firefox });
  assert.is(chrome['host'], 'cdn.example');
});

test('nothing is inherited: __proto__ and constructor are fields like any other, toString is absent', () => {
  // Built field by field, as the HTTP/2 layers build theirs (a literal's __proto__ key would set its prototype).
  const raw = Object.create(null) as Record<string, string>;
  for (const [n, v] of [[':method', 'GET'], [':path', '/'], [':authority', 'a.example'], ['__proto__', 'p'], ['constructor', 'c']] as const) raw[n] = v;
  const h = fieldsOf(raw);
  assert.is(h['__proto__'], 'p');
  assert.is(h['constructor'], 'c');
  assert.is(h['toString'], undefined);
  assert.is(Object.getPrototypeOf(Object.getPrototypeOf(h)), null);
});

test('the pseudo-fields are dropped and the list is still bounded', () => {
  assert.equal(Object.keys(fieldsOf({ ':method': 'GET', ':path': '/', ':scheme': 'https', ':authority': 'a.example', accept: '*/*' })), ['host', 'accept']);
  const mapped = h2RequestFields({ ':method': 'GET', ':path': '/', ':authority': 'a.example', big: 'x'.repeat(200) }, 100);
  assert.ok('refused' in mapped && mapped.refused.status === 431);
});

test.run();
