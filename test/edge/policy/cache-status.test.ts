import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendCacheStatus, formatCacheStatus, type CacheStatusParams } from '../../../edge/policy/cache-status.js';

const rows: Array<{ why: string; params: CacheStatusParams; expected: string }> = [
  { why: 'RFC 9211 §2: a member with no parameters is just the cache name', params: { hit: false }, expected: 'edgeworks' },
  { why: 'RFC 9211 §2.1: hit with a positive ttl', params: { hit: true, ttlSeconds: 100 }, expected: 'edgeworks; hit; ttl=100' },
  { why: 'RFC 9211 §2.4: negative ttl for a stale hit', params: { hit: true, ttlSeconds: -5 }, expected: 'edgeworks; hit; ttl=-5' },
  { why: 'RFC 9211 §2.2, §2.3, §2.5: miss forwarded, origin status, stored', params: { hit: false, fwd: 'uri-miss', fwdStatus: 200, stored: true }, expected: 'edgeworks; fwd=uri-miss; fwd-status=200; stored' },
  { why: 'RFC 9211 §2.2: fwd=stale revalidated with a 304', params: { hit: false, fwd: 'stale', fwdStatus: 304, ttlSeconds: 60, stored: true }, expected: 'edgeworks; fwd=stale; fwd-status=304; ttl=60; stored' },
  { why: 'RFC 9211 §2.2: fwd=vary-miss', params: { hit: false, fwd: 'vary-miss' }, expected: 'edgeworks; fwd=vary-miss' },
  { why: 'RFC 9211 §2.2: fwd=bypass with stored=false omits stored', params: { hit: false, fwd: 'bypass', stored: false }, expected: 'edgeworks; fwd=bypass' },
  { why: 'RFC 9211 §2.6: collapsed', params: { hit: false, fwd: 'miss', collapsed: true }, expected: 'edgeworks; fwd=miss; collapsed' },
  { why: 'RFC 9211 §2.8: detail as an sf-token', params: { hit: true, detail: 'swr' }, expected: 'edgeworks; hit; detail=swr' },
  { why: 'RFC 9211 §2.8: detail with a space is an sf-string', params: { hit: false, fwd: 'miss', detail: 'origin down' }, expected: 'edgeworks; fwd=miss; detail="origin down"' },
  { why: 'RFC 9211 §2.8 + RFC 8941 §3.3.3: detail quotes are escaped', params: { hit: false, detail: 'a"b' }, expected: 'edgeworks; detail="a\\"b"' },
  { why: 'RFC 9211 §2.8: detail starting with a digit is an sf-string', params: { hit: false, detail: '1x' }, expected: 'edgeworks; detail="1x"' },
];

for (const row of rows) {
  test(row.why, () => {
    assert.is(formatCacheStatus('edgeworks', row.params), row.expected);
  });
}

const appendRows: Array<{ why: string; upstream: string | undefined; expected: string }> = [
  { why: 'RFC 9211 §2: first cache → only our member', upstream: undefined, expected: 'edgeworks; hit' },
  { why: 'RFC 9211 §2: empty upstream field → only our member', upstream: '', expected: 'edgeworks; hit' },
  { why: 'RFC 9211 §2: our member is appended after the one nearer the origin', upstream: 'OriginCache; fwd=miss; stored', expected: 'OriginCache; fwd=miss; stored, edgeworks; hit' },
  { why: 'RFC 9211 §2: appended after several upstream members', upstream: 'a; hit, b; fwd=miss', expected: 'a; hit, b; fwd=miss, edgeworks; hit' },
];

for (const row of appendRows) {
  test(row.why, () => {
    assert.is(appendCacheStatus(row.upstream, 'edgeworks; hit'), row.expected);
  });
}

test.run();
