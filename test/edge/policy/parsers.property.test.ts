/**
 * Issue 11 (c): the parsers of every field a client or an origin controls never throw, and take
 * time linear in their input. Linear time is checked with a bound no linear parser can miss and
 * no quadratic one can meet, so a slow or busy machine does not make it flake: each parser gets
 * inputs of 32 KiB (twice what node:http accepts in all headers together), made by repeating a
 * token or a generated fragment after a prefix that steers it into its deeper branches, and must
 * finish in one second. A linear parse of 32 KiB takes well under a millisecond here (over 1000x
 * margin); a quadratic one takes seconds (the Range parser did before this test: 'bytes=0-', 32 KiB
 * of spaces, 'x' took ~3 s). fast-check stops at the first failure instead of shrinking such an input.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluateConditional, parseEtagList } from '../../../common/http-semantics/conditional.js';
import { parseHttpDate } from '../../../common/http-semantics/http-date.js';
import { parseRange, rangeDecision } from '../../../common/http-semantics/range.js';
import { parseCacheControl } from '../../../edge/policy/cache-control.js';
import { parseAgeSeconds } from '../../../edge/policy/freshness.js';
import { canonicalHost, parseRequestTarget } from '../../../edge/policy/request-target.js';
import { parseTargetedCacheControl } from '../../../edge/policy/targeted-cache-control.js';
import { parseVary } from '../../../edge/policy/vary.js';
import { PROPERTY_RUNS, reportRuns } from '../property-settings.js';

const NOW_MS = Date.UTC(2026, 10, 26, 12, 0, 0);
const VALIDATORS = { etag: '"a"', lastModifiedMs: NOW_MS - 86_400_000 };

/** Every parser of a client- or origin-controlled field, by the field it reads. */
const PARSERS: Array<[field: string, parse: (value: string) => unknown]> = [
  ['Cache-Control', (v) => parseCacheControl(v)],
  ['CDN-Cache-Control', (v) => parseTargetedCacheControl(v)],
  ['Age', (v) => parseAgeSeconds([['age', v]])],
  ['Expires', (v) => parseHttpDate(v, NOW_MS)],
  ['Vary', (v) => parseVary(v)],
  ['Range', (v) => parseRange(v, 1000)],
  ['Range + If-Range', (v) => rangeDecision({ range: `bytes=0-${v}`, 'if-range': v }, 1000, 200, VALIDATORS)],
  ['If-None-Match', (v) => (parseEtagList(v), evaluateConditional({ 'if-none-match': v }, VALIDATORS))],
  ['If-Match', (v) => evaluateConditional({ 'if-match': v }, VALIDATORS)],
  ['If-Modified-Since', (v) => evaluateConditional({ 'if-modified-since': v }, VALIDATORS)],
  ['If-Unmodified-Since', (v) => evaluateConditional({ 'if-unmodified-since': v }, VALIDATORS)],
  ['request target', (v) => parseRequestTarget(v)],
  ['Host', (v) => canonicalHost(v)],
];

const TOKENS = [
  ' ', '\t', ',', ';', '=', '"', '\\', '-', '/', ':', '0', '9', '12', 'a', 'x', '*', '?', '%', '%2e', '%zz', '.', '..', '(', ')', '\u0000', '\u00e9',
  'bytes', 'max-age', 'no-cache', 's-maxage=1', 'private="', 'W/', '"a"', 'GMT', 'Sun', 'Sunday', 'Nov', '06', '08:49:37', '1994',
];
const fragment = fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 8 }).map((t) => t.join(''));
const PREFIXES = ['', 'bytes=', 'bytes=0-', 'bytes = ', 'max-age=', 'a="', 'W/"', '"', 'a=(', 'a=?', 'Sun, 06 Nov 1994 ', 'Sun Nov  6 ', '/', 'http://', 'h:'];
const SUFFIXES = ['', 'x', '"', ',', ')', '-'];

test('(c) no parser throws, on any string', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 64 }), fragment, fc.tuple(fc.constantFrom(...PREFIXES), fragment).map(([p, f]) => p + f)), (value) => {
      for (const [field, parse] of PARSERS) {
        try {
          parse(value);
        } catch (err) {
          assert.unreachable(`${field} threw on ${JSON.stringify(value)}: ${String(err)}`);
        }
      }
    }),
  );
});

const SIZE_CHARS = 32 * 1024;
const BOUND_MS = 1000;

function checkLinear(prefix: string, repeated: string, suffix: string): void {
  const times = Math.ceil(SIZE_CHARS / repeated.length);
  const value = prefix + repeated.repeat(times) + suffix;
  for (const [field, parse] of PARSERS) {
    const started = performance.now();
    parse(value);
    const tookMs = performance.now() - started;
    assert.ok(tookMs < BOUND_MS, `${field} took ${tookMs.toFixed(0)} ms on ${JSON.stringify(prefix)} + ${JSON.stringify(repeated)} x ${times} + ${JSON.stringify(suffix)}`);
  }
}

test('(c) linear time: every prefix with every token repeated to 32 KiB, then a character that breaks the match', () => {
  // The classic super-linear case is one character class repeated, then a mismatch: try them all.
  for (const prefix of PREFIXES) for (const token of TOKENS) checkLinear(prefix, token, 'x');
});

test('(c) linear time: generated fragments repeated to 32 KiB', () => {
  fc.assert(
    fc.property(fc.constantFrom(...PREFIXES), fragment, fc.constantFrom(...SUFFIXES), (prefix, repeated, suffix) => checkLinear(prefix, repeated, suffix)),
    // Each case parses 13 x 32 KiB: 40 cases in npm test, up to 2,000 in npm run fuzz.
    { numRuns: Math.min(PROPERTY_RUNS, process.env['FUZZ_RUNS'] === undefined ? 40 : 2000), endOnFailure: true },
  );
});

reportRuns('parsers.property', 3);
test.run();
