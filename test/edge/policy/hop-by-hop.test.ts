import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hopByHopNames } from '../../../edge/policy/hop-by-hop.js';

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

test.run();
