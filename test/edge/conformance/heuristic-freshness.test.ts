/**
 * Required tests of the suite's tests/heuristic-freshness.mjs (group id 'heuristic'): the
 * statuses that are not heuristically cacheable (RFC 9111 §4.2.2, RFC 9110 §15.1) must not be
 * reused on the strength of Last-Modified alone.
 */
import { httpContent, type HeaderSpec, type SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

function notCached(code: number, phrase: string, extra = '', extraHeader?: HeaderSpec): SuiteTest {
  const body = httpContent(code);
  const responseHeaders: HeaderSpec[] = [
    ['Last-Modified', -24 * 60 * 60],
    ['Date', 0],
  ];
  if (extraHeader !== undefined) responseHeaders.push(extraHeader);
  return {
    name: `HTTP cache must not reuse a \`${code} ${phrase}\` response with \`Last-Modified\` based upon heuristic freshness ${extra}`,
    id: `heuristic-${code}-not_cached`,
    kind: 'required',
    requests: [
      { response_status: [code, phrase], response_headers: responseHeaders, response_body: body, setup: true },
      { expected_type: 'not_cached', response_status: [code, phrase], response_body: body },
    ],
  };
}

const tests: SuiteTest[] = [
  notCached(201, 'Created'),
  notCached(202, 'Accepted'),
  notCached(403, 'Forbidden'),
  notCached(502, 'Bad Gateway'),
  notCached(503, 'Service Unavailable'),
  notCached(504, 'Gateway Timeout'),
  notCached(599, 'Unknown', 'when `Cache-Control: public` is not present'),
];

registerGroup('heuristic', tests);
