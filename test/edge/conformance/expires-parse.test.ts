/** Required tests of the suite's tests/expires-parse.mjs (Expires parsing, RFC 9111 §5.3, RFC 9110 §5.6.7). */
import type { HeaderSpec, SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

function invalid(id: string, what: string, expires: string[], pause: boolean): SuiteTest {
  const lines: HeaderSpec[] = expires.map((e) => ['Expires', e, false]);
  return {
    name: `HTTP cache must not reuse a response with an invalid \`Expires\` (${what})`,
    id,
    depends_on: ['freshness-expires-future'],
    requests: [
      { response_headers: [...lines, ['Date', 0]], setup: true, ...(pause ? { pause_after: true } : {}) },
      { expected_type: 'not_cached' },
    ],
  };
}

const tests: SuiteTest[] = [
  invalid('freshness-expires-invalid-utc', 'UTC', ['Thu, 18 Aug 2050 02:01:18 UTC'], true),
  invalid('freshness-expires-invalid-aest', 'other tz', ['Thu, 18 Aug 2050 02:01:18 AEST'], true),
  invalid('freshness-expires-invalid-2-digit-year', 'two-digit year', ['Thu, 18 Aug 50 02:01:18 GMT'], true),
  invalid('freshness-expires-invalid-no-comma', 'missing comma', ['Thu 18 Aug 2050 02:01:18 GMT'], true),
  invalid('freshness-expires-invalid-multiple-spaces', 'multiple spaces', ['Thu, 18  Aug  2050 02:01:18 GMT'], false),
  invalid('freshness-expires-invalid-date-dashes', 'date dashes', ['Thu, 18-Aug-2050 02:01:18 GMT'], false),
  invalid('freshness-expires-invalid-time-periods', 'time periods', ['Thu, 18 Aug 2050 02.01.18 GMT'], false),
  invalid('freshness-expires-invalid-1-digit-hour', '1-digit hour', ['Thu, 18 Aug 2050 2:01:18 GMT'], false),
  invalid('freshness-expires-invalid-multiple-lines', 'multiple lines', ['Thu, 18 Aug 2050 2:01:18 GMT', 'Thu, 18 Aug 2050 2:01:19 GMT'], false),
];

registerGroup('expires-parse', tests);
