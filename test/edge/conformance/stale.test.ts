/**
 * Required tests of the suite's tests/stale.mjs: no stale reuse when the origin fails if
 * must-revalidate, proxy-revalidate, no-cache or s-maxage forbid it (RFC 9111 §4.2.4, §5.2.2),
 * and no stale reuse past the stale-while-revalidate window (RFC 5861 §3).
 */
import type { SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

function makeStaleCheckCC(cc: string, sharedOnly: boolean, value?: string): SuiteTest {
  const shared = sharedOnly ? 'Shared ' : '';
  return {
    name: `${shared}HTTP cache must not serve stale stored response when prohibited by \`Cache-Control: ${cc}\``,
    id: `stale-close-${cc}${value ?? ''}`,
    browser_skip: sharedOnly,
    depends_on: ['stale-close'],
    requests: [
      { response_headers: [['Cache-Control', `max-age=2, ${cc}${value ?? ''}`]], setup: true, pause_after: true },
      { disconnect: true, expected_status: null, check_body: false, expected_response_headers_missing: ['server-request-count'] },
    ],
  };
}

const tests: SuiteTest[] = [
  {
    name: 'HTTP cache must not serve stale stored response after the [`stale-while-revalidate`](https://httpwg.org/specs/rfc5861.html) window',
    id: 'stale-while-revalidate-window',
    depends_on: ['stale-while-revalidate'],
    requests: [
      {
        setup: true,
        pause_after: true,
        response_headers: [
          ['Cache-Control', 'max-age=1, stale-while-revalidate=4'],
          ['ETag', '"abc"'],
        ],
      },
      {
        setup: true,
        pause_after: true,
        response_headers: [
          ['Cache-Control', 'no-cache', false],
          ['ETag', '"def"', false],
        ],
        expected_type: 'cached',
      },
      { expected_response_headers: [['client-request-count', '3']] },
    ],
  },
  makeStaleCheckCC('must-revalidate', false),
  makeStaleCheckCC('proxy-revalidate', true),
  makeStaleCheckCC('no-cache', false),
  makeStaleCheckCC('s-maxage', true, '=2'),
];

registerGroup('stale', tests);
