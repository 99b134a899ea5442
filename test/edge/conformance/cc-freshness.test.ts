/** Required tests of the suite's tests/cc-freshness.mjs (Cache-Control freshness, RFC 9111 §4.2.1, §5.2.2). */
import { becomeStale, type SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

const tests: SuiteTest[] = [
  {
    name: 'HTTP cache must not reuse a response with `Cache-Control: max-age` after it becomes stale',
    id: 'freshness-max-age-stale',
    depends_on: ['freshness-max-age'],
    requests: [becomeStale({}), { expected_type: 'not_cached' }],
  },
  {
    name: 'HTTP cache must not reuse a response with `Cache-Control: max-age=0`',
    id: 'freshness-max-age-0',
    depends_on: ['freshness-none'],
    requests: [
      { response_headers: [['Cache-Control', 'max-age=0']], setup: true, pause_after: true },
      { expected_type: 'not_cached' },
    ],
  },
  {
    name: 'HTTP cache must not reuse a response when the `Age` header is greater than its `Cache-Control: max-age` freshness lifetime',
    id: 'freshness-max-age-age',
    depends_on: ['freshness-max-age'],
    requests: [
      { response_headers: [['Date', 0], ['Cache-Control', 'max-age=3600'], ['Age', '7200']], setup: true, pause_after: true },
      { expected_type: 'not_cached' },
    ],
  },
  {
    name: 'HTTP cache must not reuse a response with `Cache-Control: max-age=0` and a future `Expires`',
    id: 'freshness-max-age-0-expires',
    depends_on: ['freshness-none'],
    requests: [
      { response_headers: [['Expires', 3600], ['Cache-Control', 'max-age=0'], ['Date', 0]], setup: true, pause_after: true },
      { expected_type: 'not_cached' },
    ],
  },
  {
    name: 'HTTP cache must not reuse a response with negative `Cache-Control: max-age`',
    id: 'freshness-max-age-negative',
    depends_on: ['freshness-none'],
    requests: [
      { response_headers: [['Cache-Control', 'max-age=-3600']], setup: true, pause_after: true },
      { expected_type: 'not_cached' },
    ],
  },
  {
    name: 'An optimal shared HTTP cache reuses a response with positive `Cache-Control: s-maxage`',
    id: 'freshness-s-maxage-shared',
    depends_on: ['freshness-none'],
    browser_skip: true,
    requests: [
      { response_headers: [['Cache-Control', 's-maxage=3600']], pause_after: true, setup: true },
      { expected_type: 'cached' },
    ],
  },
  {
    name: 'Shared HTTP cache must prefer short `Cache-Control: s-maxage` over a longer `Cache-Control: max-age`',
    id: 'freshness-max-age-s-maxage-shared-longer',
    depends_on: ['freshness-s-maxage-shared'],
    browser_skip: true,
    requests: [
      { response_headers: [['Cache-Control', 'max-age=3600, s-maxage=1']], pause_after: true, setup: true },
      { expected_type: 'not_cached' },
    ],
  },
  {
    name: 'Shared HTTP cache must prefer short `Cache-Control: s-maxage` over a longer `Cache-Control: max-age` (reversed)',
    id: 'freshness-max-age-s-maxage-shared-longer-reversed',
    depends_on: ['freshness-s-maxage-shared'],
    browser_skip: true,
    requests: [
      { response_headers: [['Cache-Control', 's-maxage=1, max-age=3600']], pause_after: true, setup: true },
      { expected_type: 'not_cached' },
    ],
  },
  {
    name: 'Shared HTTP cache must prefer short `Cache-Control: s-maxage` over a longer `Cache-Control: max-age` (multiple headers)',
    id: 'freshness-max-age-s-maxage-shared-longer-multiple',
    depends_on: ['freshness-s-maxage-shared'],
    browser_skip: true,
    requests: [
      { response_headers: [['Cache-Control', 'max-age=3600'], ['Cache-Control', 's-maxage=1']], pause_after: true, setup: true },
      { expected_type: 'not_cached' },
    ],
  },
];

registerGroup('cc-freshness', tests);
