/** Required tests of the suite's tests/invalidation.mjs (invalidation by unsafe methods, RFC 9111 §4.4). */
import { fresh, type SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

function checkInvalidation(method: string): SuiteTest {
  return {
    name: `HTTP cache must invalidate the URL after a successful response to a \`${method}\` request`,
    id: `invalidate-${method}`,
    depends_on: ['freshness-max-age'],
    requests: [fresh({}), { request_method: method, request_body: 'abc', setup: true }, { expected_type: 'not_cached' }],
  };
}

const tests: SuiteTest[] = ['POST', 'PUT', 'DELETE', 'M-SEARCH'].map(checkInvalidation);

registerGroup('invalidation', tests);
