/**
 * Required tests of the suite's tests/conditional-etag.mjs (group id 'conditional-inm'): 304s
 * from the cache (RFC 9111 §4.3.2, RFC 9110 §13.2.2) and conditional requests it generates (§4.3.1).
 * The suite's tests/conditional-lm.mjs has no required tests.
 */
import { fresh, type SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

const tests: SuiteTest[] = [
  {
    name: 'HTTP cache must include `ETag` in a `304 Not Modified`',
    id: 'conditional-304-etag',
    depends_on: ['conditional-etag-strong-respond'],
    browser_skip: true,
    requests: [
      fresh({ response_headers: [['ETag', '"abcdef"']] }),
      {
        request_headers: [['If-None-Match', '"abcdef"']],
        expected_type: 'cached',
        expected_status: 304,
        expected_response_headers: [['ETag', '"abcdef"']],
      },
    ],
  },
  {
    name: 'HTTP cache must give precedence to `If-None-Match` over `If-Modified-Since`',
    id: 'conditional-etag-precedence',
    depends_on: ['conditional-etag-strong-respond'],
    browser_skip: true,
    requests: [
      fresh({
        response_headers: [
          ['Last-Modified', -5000],
          ['ETag', '"abcdef"'],
        ],
      }),
      {
        request_headers: [
          ['If-None-Match', '"abcdef"'],
          ['If-Modified-Since', -1],
        ],
        magic_ims: true,
        expected_type: 'cached',
        expected_status: 304,
      },
    ],
  },
  {
    name: 'HTTP cache must include stored response headers identified by `Vary` in a conditional request it generates',
    id: 'conditional-etag-vary-headers',
    requests: [
      {
        request_headers: [['Abc', '123']],
        response_headers: [
          ['Expires', 1],
          ['ETag', '"abcdef"'],
          ['Date', 0],
          ['Vary', 'Abc'],
        ],
        setup: true,
        pause_after: true,
      },
      {
        request_headers: [['Abc', '123']],
        expected_type: 'etag_validated',
        expected_request_headers: [['Abc', '123']],
        setup_tests: ['expected_type'],
      },
    ],
  },
];

registerGroup('conditional-inm', tests);
