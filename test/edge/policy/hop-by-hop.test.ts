import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hopByHopNames, withoutHopByHop } from '../../../edge/policy/hop-by-hop.js';

const ALWAYS = [
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authentication-info', 'proxy-authorization',
  'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
];

const rows: Array<{ why: string; connection: string | undefined; expected: string[] }> = [
  { why: 'RFC 9110 §7.6.1: without Connection, the fixed hop-by-hop set', connection: undefined, expected: ALWAYS },
  { why: 'RFC 9110 §7.6.1: Connection: close adds close', connection: 'close', expected: [...ALWAYS, 'close'] },
  { why: 'RFC 9110 §7.6.1: Connection options are lower-cased, trimmed, empties skipped', connection: ' X-Foo , , X-BAR', expected: [...ALWAYS, 'x-bar', 'x-foo'] },
  { why: 'RFC 9110 §7.6.1: naming an always-hop-by-hop field adds nothing new', connection: 'Keep-Alive, Upgrade', expected: ALWAYS },
];

for (const row of rows) {
  test(row.why, () => {
    assert.equal([...hopByHopNames(row.connection)].sort(), [...row.expected].sort());
  });
}

test('RFC 9110 §7.6.1: a request without hop-by-hop fields is returned as is (no copy on the hit path)', () => {
  const headers = { host: 'h', accept: '*/*' };
  assert.is(withoutHopByHop(headers), headers);
});

test('RFC 9110 §7.6.1: fields named in Connection are gone from the request before anything reads it', () => {
  const headers = { host: 'h', connection: 'X-Lang, close', 'x-lang': 'de', 'accept-language': 'en', te: 'trailers' };
  assert.equal(withoutHopByHop(headers), { host: 'h', 'accept-language': 'en' });
});

test('RFC 9110 §7.6.1: repeated Connection fields all count', () => {
  assert.equal(withoutHopByHop({ connection: ['a', 'B'], a: '1', b: '2', c: '3' }), { c: '3' });
});

test('RFC 9110 §7.6.1: the fixed set is removed without a Connection field', () => {
  assert.equal(withoutHopByHop({ 'keep-alive': 'timeout=5', upgrade: 'h2c', x: '1' }), { x: '1' });
});

test.run();
