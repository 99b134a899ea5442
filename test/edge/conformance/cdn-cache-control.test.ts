/** Required tests of the suite's tests/cdn-cache-control.mjs (CDN-Cache-Control, RFC 9213; all cdn_only). */
import type { HeaderSpec, SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

function twoStep(id: string, name: string, headers: HeaderSpec[], expected: 'cached' | 'not_cached', dependsOn?: string, pause = true): SuiteTest {
  return {
    name,
    id,
    cdn_only: true,
    ...(dependsOn === undefined ? {} : { depends_on: [dependsOn] }),
    requests: [{ response_headers: headers, setup: true, ...(pause ? { pause_after: true } : {}) }, { expected_type: expected }],
  };
}

const tests: SuiteTest[] = [
  twoStep(
    'cdn-max-age-age',
    'CDN must not reuse a response when the `Age` header is greater than its `CDN-Cache-Control: max-age` freshness lifetime',
    [['Date', 0], ['CDN-Cache-Control', 'max-age=3600', false], ['Age', '7200']],
    'not_cached',
    'cdn-max-age',
  ),
  twoStep('cdn-max-age-0', 'CDN must not reuse a response with `CDN-Cache-Control: max-age=0`', [['CDN-Cache-Control', 'max-age=0', false]], 'not_cached', 'cdn-max-age'),
  twoStep(
    'cdn-max-age-0-expires',
    'CDN must not reuse a response with a `CDN-Cache-Control: max-age=0` and a future `Expires`',
    [['CDN-Cache-Control', 'max-age=0', false], ['Expires', 10000], ['Date', 0]],
    'not_cached',
    'cdn-max-age',
  ),
  twoStep(
    'cdn-max-age-long-cc-max-age',
    'CDN must prefer a short `CDN-Cache-Control: max-age` over a long `Cache-Control: max-age`',
    [['Cache-Control', 'max-age=3600'], ['CDN-Cache-Control', 'max-age=1', false]],
    'not_cached',
    'cdn-max-age',
  ),
  twoStep(
    'cdn-private',
    'CDN must not reuse a cached response with `CDN-Cache-Control: private`, even with `Cache-Control: max-age` and `Expires`',
    [['CDN-Cache-Control', 'private'], ['Cache-Control', 'max-age=10000'], ['Expires', 10000], ['Date', 0]],
    'not_cached',
    undefined,
    false,
  ),
  twoStep(
    'cdn-no-cache',
    'CDN must not reuse a cached response with `CDN-Cache-Control: no-cache`, even with `Cache-Control: max-age` and `Expires`',
    [['CDN-Cache-Control', 'no-cache'], ['Cache-Control', 'max-age=10000'], ['Expires', 10000], ['Date', 0]],
    'not_cached',
    undefined,
    false,
  ),
  twoStep(
    'cdn-no-store-cc-fresh',
    'CDN must not store a response with `CDN-Cache-Control: no-store`, even with `Cache-Control: max-age` and `Expires`',
    [['Cache-Control', 'max-age=10000'], ['CDN-Cache-Control', 'no-store', false], ['Expires', 10000], ['Date', 0]],
    'not_cached',
    'freshness-none',
  ),
  twoStep(
    'cdn-fresh-cc-nostore',
    'An optimal CDN stores a response with a fresh `CDN-Cache-Control: max-age`, even with `Cache-Control: no-store`',
    [['Cache-Control', 'no-store'], ['CDN-Cache-Control', 'max-age=10000', false]],
    'cached',
    'freshness-none',
  ),
  twoStep(
    'cdn-cc-invalid-sh-type-unknown',
    "CDN should ignore a `CDN-Cache-Control` that's an invalid Structured Field (unknown type)",
    [['CDN-Cache-Control', 'max-age=10000, &&&&&', false], ['Cache-Control', 'no-store']],
    'not_cached',
    'cdn-max-age',
  ),
  twoStep(
    'cdn-cc-invalid-sh-type-wrong',
    "CDN should ignore a `CDN-Cache-Control` that's an invalid Structured Field (wrong type)",
    [['CDN-Cache-Control', 'max-age="10000"', false], ['Cache-Control', 'no-store']],
    'not_cached',
    'cdn-max-age',
  ),
];

registerGroup('cdn-cache-control', tests);
