/**
 * Required tests of the suite's tests/status.mjs: a stale response of any status must not be
 * reused (RFC 9111 §4.2, §3), and must-understand with an unknown status (§5.2.2.3).
 */
import { httpContent, stale, type SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

function staleTest(code: number, phrase: string, bodyOverride?: null): SuiteTest {
  const body = bodyOverride === null ? null : httpContent(code);
  const is3xx = code > 299 && code < 400;
  return {
    name: 'HTTP cache must not reuse a stale `' + code + '` response with explicit freshness',
    id: `status-${code}-stale`,
    depends_on: [`status-${code}-fresh`],
    browser_skip: is3xx,
    requests: [
      stale({ response_status: [code, phrase], response_body: body, redirect: 'manual', setup: true }),
      { expected_type: 'not_cached', redirect: 'manual', response_body: body },
    ],
  };
}

const statuses: Array<[number, string, null?]> = [
  [200, 'OK'],
  [203, 'Non-Authoritative Information'],
  [204, 'No Content', null],
  [299, 'Whatever'],
  [301, 'Moved Permanently'],
  [302, 'Found'],
  [303, 'See Other'],
  [307, 'Temporary Redirect'],
  [308, 'Permanent Redirect'],
  [400, 'Bad Request'],
  [404, 'Not Found'],
  [410, 'Gone'],
  [499, 'Whatever'],
  [500, 'Internal Server Error'],
  [502, 'Bad Gateway'],
  [503, 'Service Unavailable'],
  [504, 'Gateway Timeout'],
  [599, 'Whatever'],
];

const tests: SuiteTest[] = statuses.map(([code, phrase, body]) => staleTest(code, phrase, body));

tests.push({
  name: 'HTTP cache must not reuse a fresh response with an unrecognised status code and `Cache-Control: no-store, must-understand`',
  id: 'status-599-must-understand',
  depends_on: ['status-599-fresh'],
  requests: [
    { response_status: [599, 'Whatever'], response_headers: [['Cache-Control', 'max-age=3600, no-store, must-understand']], setup: true },
    { expected_type: 'not_cached' },
  ],
});

registerGroup('status', tests);
