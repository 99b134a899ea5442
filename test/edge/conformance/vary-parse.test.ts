/** Required tests of the suite's tests/vary-parse.mjs (Vary parsing, RFC 9111 §4.1, RFC 9110 §12.5.5). */
import { makeTemplate, type HeaderSpec, type SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

const varyParseSetup = makeTemplate({
  request_headers: [
    ['Foo', '1'],
    ['Baz', '789'],
  ],
  response_headers: [
    ['Cache-Control', 'max-age=5000'],
    ['Last-Modified', -3000],
    ['Date', 0],
  ],
  setup: true,
});

function starTest(id: string, what: string, varyLines: string[], onLines = false): SuiteTest {
  const vary: HeaderSpec[] = varyLines.map((v) => ['Vary', v, false]);
  return {
    name: `HTTP cache must not reuse \`Vary\` response with a value of \`${what}\`${onLines ? ' on different lines' : ''}`,
    id,
    depends_on: ['vary-match'],
    requests: [
      varyParseSetup({ response_headers: vary }),
      {
        request_headers: [
          ['Foo', '1'],
          ['Baz', '789'],
        ],
        expected_type: 'not_cached',
      },
    ],
  };
}

const tests: SuiteTest[] = [
  starTest('vary-syntax-star', '*', ['*']),
  starTest('vary-syntax-star-star', '*, *', ['*, *']),
  starTest('vary-syntax-star-star-lines', '*, *', ['*', '*'], true),
  starTest('vary-syntax-empty-star', ', *', [', *']),
  starTest('vary-syntax-empty-star-lines', ', *', ['', '*'], true),
  starTest('vary-syntax-star-foo', '*, Foo', ['*, Foo']),
  starTest('vary-syntax-foo-star', 'Foo, *', ['Foo, *']),
];

registerGroup('vary-parse', tests);
