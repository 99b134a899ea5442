/** Required tests of the suite's tests/age-parse.mjs (Age parsing, RFC 9111 §5.1, §1.2.2). */
import type { HeaderSpec, SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

function ageTest(id: string, name: string, ages: string[], expected: 'cached' | 'not_cached', maxAge = 'max-age=3600'): SuiteTest {
  const ageHeaders: HeaderSpec[] = ages.map((a) => ['Age', a, false]);
  return {
    name,
    id,
    depends_on: ['freshness-max-age-age'],
    requests: [
      { response_headers: [['Date', 0], ['Cache-Control', maxAge], ...ageHeaders], setup: true, pause_after: true },
      { expected_type: expected },
    ],
  };
}

const tests: SuiteTest[] = [
  ageTest('age-parse-nonnumeric', 'HTTP cache should ignore an `Age` header with a non-numeric value', ['abc'], 'cached'),
  ageTest('age-parse-negative', 'HTTP cache should ignore an `Age` header with a negative value', ['-7200'], 'cached'),
  ageTest('age-parse-float', 'HTTP cache should ignore an `Age` header with a float value', ['7200.0'], 'cached'),
  ageTest('age-parse-large-minus-one', 'HTTP cache should consider a response with a `Age` value of 2147483647 to be stale', ['2147483647'], 'not_cached'),
  ageTest('age-parse-large', 'HTTP cache should consider a response with a `Age` value of 2147483648 to be stale', ['2147483648'], 'not_cached'),
  ageTest('age-parse-larger', 'HTTP cache should consider a response with a `Age` value of 2147483649 to be stale', ['2147483649'], 'not_cached'),
  ageTest('age-parse-suffix', 'HTTP cache should consider a response with a single `Age` header line `old, 0` to be stale', ['7200, 0'], 'not_cached'),
  ageTest('age-parse-prefix', 'HTTP cache should consider a response with a single `Age` header line `0, old` to be fresh', ['0, 7200'], 'cached'),
  ageTest('age-parse-suffix-twoline', 'HTTP cache should use the first line in a response with multiple `Age` header lines: `old`, `0`', ['7200', '0'], 'not_cached'),
  ageTest('age-parse-prefix-twoline', 'HTTP cache should use the first line in a response with multiple `Age` header lines: `0`, `old`', ['0', '7200'], 'cached'),
  ageTest('age-parse-dup-0', 'HTTP cache should consider a response with a single line `Age: 0, 0` to be fresh', ['0, 0'], 'cached'),
  ageTest('age-parse-dup-0-twoline', 'HTTP cache should consider a response with two `Age: 0` header lines to be fresh', ['0', '0'], 'cached'),
  ageTest('age-parse-dup-old', 'HTTP cache should consider a response with two `Age: not_old` header lines to be fresh', ['3600', '3600'], 'cached', 'max-age=10000'),
];

registerGroup('age-parse', tests);
