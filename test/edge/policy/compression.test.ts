/** The edge's own compression decisions, as tables; each row names the rule it checks. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  COMPRESSION_DEFAULTS,
  compressibleType,
  compressionPlan,
  hasNoTransform,
  servedCoding,
  variantEtag,
  varyWithAcceptEncoding,
  type CompressionSettings,
  type ResponseFacts,
} from '../../../edge/policy/compression.js';

const ON: CompressionSettings = { codings: ['gzip', 'br'], minBytes: 1024, maxBytes: 1 << 20, types: COMPRESSION_DEFAULTS.types, brotliQuality: 4 };
const PLAIN: ResponseFacts = { status: 200, contentEncoding: undefined, cacheControl: 'max-age=60', contentRange: undefined, contentType: 'text/html; charset=utf-8', bodyBytes: 4096 };

test('compressionPlan: what the edge compresses', () => {
  const rows: Array<[string, Partial<ResponseFacts>, CompressionSettings, string]> = [
    ['compressible 200', {}, ON, 'gzip,br'],
    ['off: no codings configured', {}, { ...ON, codings: [] }, 'off'],
    ['206 is never compressed by itself (RFC 9110 §15.3.7)', { status: 206 }, ON, 'status'],
    ['304 has no content', { status: 304 }, ON, 'status'],
    ['already gzip (RFC 9110 §8.4: never stacked)', { contentEncoding: 'gzip' }, ON, 'already-encoded'],
    ['Content-Encoding: identity is no coding', { contentEncoding: 'identity' }, ON, 'gzip,br'],
    ['no-transform (RFC 9111 §5.2.2.6)', { cacheControl: 'max-age=60, no-transform' }, ON, 'no-transform'],
    ['NO-TRANSFORM, any case', { cacheControl: 'NO-TRANSFORM' }, ON, 'no-transform'],
    ['a Content-Range response is partial', { contentRange: 'bytes 0-9/100' }, ON, 'partial'],
    ['image/png does not compress', { contentType: 'image/png' }, ON, 'type'],
    ['no Content-Type: unknown content', { contentType: undefined }, ON, 'type'],
    ['application/json', { contentType: 'application/json' }, ON, 'gzip,br'],
    ['image/svg+xml', { contentType: 'IMAGE/SVG+XML' }, ON, 'gzip,br'],
    ['below the minimum size', { bodyBytes: 1023 }, ON, 'too-small'],
    ['at the minimum size', { bodyBytes: 1024 }, ON, 'gzip,br'],
    ['above the CPU bound', { bodyBytes: (1 << 20) + 1 }, ON, 'too-large'],
  ];
  for (const [name, facts, settings, expected] of rows) {
    const plan = compressionPlan({ ...PLAIN, ...facts }, settings);
    assert.is(plan.compress ? plan.codings.join(',') : plan.reason, expected, name);
  }
});

test('compressibleType: exact types and type/* wildcards, parameters ignored', () => {
  const rows: Array<[string | undefined, boolean]> = [
    ['text/css', true],
    ['text/plain;charset=utf-8', true],
    [' Application/JavaScript ', true],
    ['application/octet-stream', false],
    ['textual', false],
    ['/json', false],
    [undefined, false],
  ];
  for (const [type, expected] of rows) assert.is(compressibleType(type, COMPRESSION_DEFAULTS.types), expected, String(type));
});

test('hasNoTransform: a directive among others, not a substring of a value', () => {
  assert.ok(hasNoTransform('no-transform'));
  assert.ok(hasNoTransform('max-age=1, No-Transform'));
  assert.not.ok(hasNoTransform('max-age=1'));
  assert.not.ok(hasNoTransform('x="no-transform"'));
  assert.not.ok(hasNoTransform(undefined));
});

test('servedCoding: the normalized Accept-Encoding picks a stored coding, else identity', () => {
  const rows: Array<[string, 'br' | 'gzip' | 'identity' | undefined, Array<'gzip' | 'br'>, string | undefined, string]> = [
    ['br client, both stored', 'br', ['gzip', 'br'], undefined, 'br'],
    ['gzip client', 'gzip', ['gzip', 'br'], undefined, 'gzip'],
    ['identity client', 'identity', ['gzip', 'br'], undefined, 'identity'],
    ['no field (normalized to identity upstream)', undefined, ['gzip', 'br'], undefined, 'identity'],
    ['br wanted, only gzip stored: identity is always acceptable (RFC 9110 §12.5.3)', 'br', ['gzip'], undefined, 'identity'],
    ['request no-transform (RFC 9111 §5.2.1.6)', 'br', ['gzip', 'br'], 'no-transform', 'identity'],
  ];
  for (const [name, wanted, available, cc, expected] of rows) assert.is(servedCoding(wanted, available.map((coding) => ({ coding })), cc), expected, name);
});

test('variantEtag: distinct per coding, weak stays weak (RFC 9110 §8.8.3)', () => {
  const rows: Array<[string | undefined, 'gzip' | 'br', string | undefined]> = [
    ['"abc"', 'gzip', '"abc-gz"'],
    ['"abc"', 'br', '"abc-br"'],
    ['W/"abc"', 'gzip', 'W/"abc-gz"'],
    ['""', 'br', '"-br"'],
    ['abc', 'gzip', undefined],
    [undefined, 'gzip', undefined],
  ];
  for (const [etag, coding, expected] of rows) assert.is(variantEtag(etag, coding), expected, `${String(etag)} ${coding}`);
});

test('varyWithAcceptEncoding: added once, * left alone', () => {
  assert.is(varyWithAcceptEncoding(undefined), 'Accept-Encoding');
  assert.is(varyWithAcceptEncoding('Origin'), 'Origin, Accept-Encoding');
  assert.is(varyWithAcceptEncoding('accept-encoding'), 'accept-encoding');
  assert.is(varyWithAcceptEncoding('*'), '*');
});

test.run();
