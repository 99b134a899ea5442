/** Required tests of the suite's tests/cc-parse.mjs (Cache-Control parsing, RFC 9111 §5.2, §1.2.2). */
import type { SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

function oneStep(id: string, name: string, cc: string, expected: 'cached' | 'not_cached', dependsOn: string): SuiteTest {
  return {
    name,
    id,
    depends_on: [dependsOn],
    requests: [
      { response_headers: [['Cache-Control', cc, false]], setup: true, pause_after: true },
      { expected_type: expected },
    ],
  };
}

const tests: SuiteTest[] = [
  oneStep('freshness-max-age-ignore-quoted', 'HTTP cache must not reuse a response with `max-age` in a quoted string (before the "real" `max-age`)', 'extension="max-age=3600", max-age=1', 'not_cached', 'freshness-max-age'),
  oneStep('freshness-max-age-ignore-quoted-rev', 'HTTP cache mut not reuse a response with `max-age` in a quoted string (after the "real" `max-age`)', 'max-age=1, extension="max-age=3600"', 'not_cached', 'freshness-max-age'),
  oneStep('freshness-max-age-leading-zero', 'An optimal HTTP cache reuses max-age with the value `003600`', 'max-age=003600', 'cached', 'freshness-none'),
  oneStep('freshness-max-age-single-quoted', 'HTTP cache must not reuse a response with a single-quoted `Cache-Control: max-age`', "max-age='3600'", 'not_cached', 'freshness-none'),
];

registerGroup('cc-parse', tests);
