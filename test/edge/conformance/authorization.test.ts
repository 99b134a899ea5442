/** Required tests of the suite's tests/authorization.mjs (group id 'auth'; RFC 9111 §3.5). */
import { fresh, type SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

const tests: SuiteTest[] = [
  {
    name: 'HTTP shared cache must not reuse a response to a request that contained `Authorization`, even with explicit freshness',
    id: 'other-authorization',
    depends_on: ['freshness-max-age'],
    browser_skip: true,
    requests: [
      fresh({
        request_headers: [['Authorization', 'FOO']],
        expected_request_headers: [['Authorization', 'FOO']],
      }),
      { expected_type: 'not_cached' },
    ],
  },
];

registerGroup('auth', tests);
