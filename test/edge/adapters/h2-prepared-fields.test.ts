/**
 * HTTP/2 response fields prepared once per reused answer (edge/adapters/h2/prepared-fields.ts):
 * kept while the answer's header list is unchanged, remade once a retime changed a value.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PreparedH2Fields } from '../../../edge/adapters/h2/prepared-fields.js';
import type { EdgeResponse } from '../../../edge/pipeline/types.js';

const reused = (headers: string[]): EdgeResponse => ({ status: 200, headers, body: Buffer.from('x'), outcome: { kind: 'hit', hit: true, ttlSeconds: 60, bytes: 1 }, wire: { head: undefined } }) as EdgeResponse;

test('the fields carry :status, drop connection-specific fields (RFC 9113 §8.2.2) and keep repeated names apart', () => {
  const fields = new PreparedH2Fields().fieldsFor(reused(['Content-Type', 'text/plain', 'Connection', 'close', 'set-cookie', 'a=1', 'set-cookie', 'b=2']));
  assert.equal({ ...fields }, { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'], ':status': 200 });
});

test('a reused answer whose header list is unchanged gets the very same fields object', () => {
  const prepared = new PreparedH2Fields();
  const r = reused(['age', '3', 'cache-status', 'edge; hit; ttl=57']);
  const first = prepared.fieldsFor(r);
  assert.ok(prepared.fieldsFor(r) === first);
});

test('a retime in place (new Age and Cache-Status strings in the same list) makes new fields', () => {
  const prepared = new PreparedH2Fields();
  const r = reused(['age', '3', 'cache-status', 'edge; hit; ttl=57']);
  const first = prepared.fieldsFor(r);
  r.headers[1] = '4';
  r.headers[3] = 'edge; hit; ttl=56';
  const second = prepared.fieldsFor(r);
  assert.ok(second !== first);
  assert.is(second['age'], '4');
  assert.is(second['cache-status'], 'edge; hit; ttl=56');
  assert.is(first['age'], '3', 'the earlier object is left as it was (a stream may still be sending it)');
});

test('an answer made for one request (no wire) is prepared afresh each time', () => {
  const prepared = new PreparedH2Fields();
  const r: EdgeResponse = { ...reused(['x-a', '1']), wire: undefined };
  assert.ok(prepared.fieldsFor(r) !== prepared.fieldsFor(r));
});

test.run();
