/** Required tests of the suite's tests/cc-response.mjs (response directives, RFC 9111 §5.2.2). */
import type { SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

const tests: SuiteTest[] = [
  {
    name: 'Shared HTTP cache must not store a response with `Cache-Control: private`',
    id: 'cc-resp-private-shared',
    browser_skip: true,
    requests: [
      { response_headers: [['Cache-Control', 'private, max-age=3600']], setup: true },
      { expected_type: 'not_cached' },
    ],
  },
  {
    name: 'HTTP cache must not store a response with `Cache-Control: no-store`',
    id: 'cc-resp-no-store',
    requests: [
      { response_headers: [['Cache-Control', 'no-store']], setup: true },
      { expected_type: 'not_cached' },
    ],
  },
  {
    name: 'HTTP cache must not store a response with `Cache-Control: nO-StOrE`',
    id: 'cc-resp-no-store-case-insensitive',
    depends_on: ['cc-resp-no-store'],
    requests: [
      { response_headers: [['Cache-Control', 'No-StOrE']], setup: true },
      { expected_type: 'not_cached' },
    ],
  },
  {
    name: 'HTTP cache must not store a response with `Cache-Control: no-store`, even with `max-age` and `Expires`',
    id: 'cc-resp-no-store-fresh',
    depends_on: ['cc-resp-no-store'],
    requests: [
      { response_headers: [['Cache-Control', 'max-age=10000, no-store'], ['Expires', 10000], ['Date', 0]], setup: true },
      { expected_type: 'not_cached' },
    ],
  },
  {
    name: 'Does HTTP cache use older stored response when newer one came with `Cache-Control: no-store`?',
    id: 'cc-resp-no-store-old-new',
    depends_on: ['cc-resp-no-store'],
    requests: [
      { response_headers: [['Cache-Control', 'max-age=10000'], ['Expires', 10000], ['Date', 0], ['A', '1']], setup: true, pause_after: true },
      { response_headers: [['Cache-Control', 'no-store'], ['Date', 0], ['A', '2']], setup: true, pause_after: true },
      { expected_type: 'cached', expected_response_headers: [['a', '1']] },
    ],
  },
  {
    name: 'Does HTTP cache use older stored response when newer one came with `Cache-Control: no-store, max-age=0`?',
    id: 'cc-resp-no-store-old-max-age',
    depends_on: ['cc-resp-no-store'],
    requests: [
      { response_headers: [['Cache-Control', 'max-age=10000'], ['Expires', 10000], ['Date', 0], ['A', '1']], setup: true, pause_after: true },
      { response_headers: [['Cache-Control', 'no-store, max-age=0'], ['Date', 0], ['A', '2']], setup: true, pause_after: true },
      { expected_type: 'cached', expected_response_headers: [['a', '1']] },
    ],
  },
  {
    name: 'HTTP cache must not use a cached response with `Cache-Control: no-cache`, even with `max-age` and `Expires`',
    id: 'cc-resp-no-cache',
    requests: [
      { response_headers: [['Cache-Control', 'max-age=10000, no-cache'], ['Expires', 10000], ['Date', 0]], setup: true },
      { expected_type: 'not_cached' },
    ],
  },
  {
    name: 'HTTP cache must not use a cached response with `Cache-Control: No-CaChE`, even with `max-age` and `Expires`',
    id: 'cc-resp-no-cache-case-insensitive',
    depends_on: ['cc-resp-no-cache'],
    requests: [
      { response_headers: [['Cache-Control', 'max-age=10000, No-CaChE'], ['Expires', 10000], ['Date', 0]], setup: true },
      { expected_type: 'not_cached' },
    ],
  },
  {
    name: 'HTTP cache must revalidate a stale response with positive `Cache-Control: max-age, must-revalidate`',
    id: 'cc-resp-must-revalidate-stale',
    depends_on: ['freshness-none'],
    requests: [
      { response_headers: [['Cache-Control', 'max-age=2, must-revalidate'], ['ETag', '"abcd"']], setup: true },
      {
        expected_type: 'cached',
        setup: true,
        pause_after: true,
        response_headers: [['Cache-Control', 'max-age=2, must-revalidate'], ['ETag', '"abcd"']],
      },
      { expected_type: 'etag_validated' },
    ],
  },
];

registerGroup('cc-response', tests);
