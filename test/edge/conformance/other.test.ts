/** Required tests of the suite's tests/other.mjs (Age and Date on reuse, RFC 9111 §4, §5.1; query in the key, §2). */
import { fresh, httpContent, type SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

const tests: SuiteTest[] = [
  {
    name: 'HTTP cache must generate an `Age` header field when using a stored response.',
    id: 'other-age-gen',
    depends_on: ['freshness-max-age'],
    requests: [fresh({}), { expected_type: 'cached', expected_response_headers: [['Age', '>', 2]] }],
  },
  {
    name: 'HTTP cache must update the `Age` header field when freshness is based upon `Expires`',
    id: 'other-age-update-expires',
    depends_on: ['freshness-expires-future'],
    requests: [
      {
        response_headers: [
          ['Expires', 30 * 24 * 60 * 60],
          ['Date', 0],
          ['Age', '30'],
        ],
        pause_after: true,
        setup: true,
      },
      { expected_type: 'cached', expected_response_headers: [['Age', '>', 32]] },
    ],
  },
  {
    name: 'HTTP cache must update the `Age` header field when freshness is based upon `CC: max-age`',
    id: 'other-age-update-max-age',
    depends_on: ['freshness-max-age'],
    requests: [fresh({ response_headers: [['Age', '30']] }), { expected_type: 'cached', expected_response_headers: [['Age', '>', 32]] }],
  },
  {
    name: 'HTTP cache must not update the `Date` header field',
    id: 'other-date-update',
    depends_on: ['freshness-max-age'],
    requests: [fresh({}), { expected_type: 'cached', expected_response_headers: [['Date', 0]] }],
  },
  {
    name: 'HTTP cache must not update the `Date` header field when `Expires` is present',
    id: 'other-date-update-expires',
    depends_on: ['freshness-expires-future'],
    requests: [
      {
        response_headers: [
          ['Expires', 30 * 24 * 60 * 60],
          ['Date', 0],
        ],
        pause_after: true,
        setup: true,
      },
      { expected_type: 'cached', expected_response_headers: [['Date', 0]] },
    ],
  },
  {
    name: 'Different query arguments must be different cache keys',
    id: 'query-args-different',
    depends_on: ['freshness-max-age'],
    requests: [
      fresh({ query_arg: 'test=' + httpContent('query-args-different-1') }),
      { query_arg: 'test=' + httpContent('query-args-different-2'), expected_type: 'not_cached' },
    ],
  },
];

registerGroup('other', tests);
