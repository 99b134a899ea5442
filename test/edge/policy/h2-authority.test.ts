import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { h2Authority, type H2Authority } from '../../../edge/policy/h2-authority.js';

const rows: Array<{ why: string; authority: string | undefined; host: string | string[] | undefined; expected: H2Authority }> = [
  { why: 'RFC 9113 §8.3.1: :authority alone is the Host', authority: 'a.example', host: undefined, expected: { kind: 'host', host: 'a.example' } },
  { why: 'RFC 9113 §8.3.1: without :authority the Host field is used', authority: undefined, host: 'a.example', expected: { kind: 'host', host: 'a.example' } },
  { why: 'neither: the pipeline refuses it as it refuses an HTTP/1.1 request without Host', authority: undefined, host: undefined, expected: { kind: 'host', host: undefined } },
  { why: 'both, the same', authority: 'a.example:8443', host: 'a.example:8443', expected: { kind: 'host', host: 'a.example:8443' } },
  { why: 'both, one authority in two spellings (RFC 3986 §6.2.2.1 case)', authority: 'A.example', host: 'a.EXAMPLE', expected: { kind: 'host', host: 'A.example' } },
  { why: 'RFC 9113 §8.3.1: both, different hosts: malformed', authority: 'a.example', host: 'b.example', expected: { kind: 'mismatch' } },
  { why: 'RFC 9113 §8.3.1: both, different ports: malformed', authority: 'a.example:8443', host: 'a.example:9443', expected: { kind: 'mismatch' } },
  { why: 'an unparsable Host never matches', authority: 'a.example', host: 'a.example/x', expected: { kind: 'mismatch' } },
  { why: 'several Host fields never match', authority: 'a.example', host: ['a.example', 'b.example'], expected: { kind: 'mismatch' } },
];

for (const row of rows) {
  test(`h2Authority: ${row.why}`, () => {
    assert.equal(h2Authority(row.authority, row.host), row.expected);
  });
}

test.run();
