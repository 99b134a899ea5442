/** Required tests of the suite's tests/vary.mjs (Vary and the cache key, RFC 9111 §4.1). */
import { makeTemplate, type SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

const varySetup = makeTemplate({
  request_headers: [['Foo', '1']],
  response_headers: [
    ['Cache-Control', 'max-age=5000'],
    ['Last-Modified', -3000],
    ['Date', 0],
    ['Vary', 'Foo'],
  ],
  setup: true,
});

const vary2Setup = makeTemplate({
  request_headers: [
    ['Foo', '1'],
    ['Bar', 'abc'],
  ],
  response_headers: [
    ['Cache-Control', 'max-age=5000'],
    ['Last-Modified', -3000],
    ['Date', 0],
    ['Vary', 'Foo, Bar', false],
  ],
  setup: true,
});

const vary3Setup = makeTemplate({
  request_headers: [
    ['Foo', '1'],
    ['Bar', 'abc'],
    ['Baz', '789'],
  ],
  response_headers: [
    ['Cache-Control', 'max-age=5000'],
    ['Last-Modified', -3000],
    ['Date', 0],
    ['Vary', 'Foo, Bar, Baz', false],
  ],
  setup: true,
});

const tests: SuiteTest[] = [
  {
    name: "HTTP cache must not reuse `Vary` response when request doesn't match",
    id: 'vary-no-match',
    depends_on: ['vary-match'],
    requests: [varySetup({}), { request_headers: [['Foo', '2']], expected_type: 'not_cached' }],
  },
  {
    name: 'HTTP cache must not reuse `Vary` response when stored request omits variant request header',
    id: 'vary-omit-stored',
    depends_on: ['vary-match'],
    requests: [
      {
        response_headers: [
          ['Cache-Control', 'max-age=5000'],
          ['Last-Modified', -3000],
          ['Date', 0],
          ['Vary', 'Foo'],
        ],
        setup: true,
      },
      { request_headers: [['Foo', '1']], expected_type: 'not_cached' },
    ],
  },
  {
    name: 'HTTP cache must not reuse `Vary` response when presented request omits variant request header',
    id: 'vary-omit',
    depends_on: ['vary-match'],
    requests: [varySetup({}), { expected_type: 'not_cached' }],
  },
  {
    name: "HTTP cache must not reuse two-way `Vary` response when request doesn't match",
    id: 'vary-2-no-match',
    depends_on: ['vary-2-match'],
    requests: [
      vary2Setup({}),
      {
        request_headers: [
          ['Foo', '2'],
          ['Bar', 'abc'],
        ],
        expected_type: 'not_cached',
      },
    ],
  },
  {
    name: 'HTTP cache must not reuse two-way `Vary` response when request omits variant request header',
    id: 'vary-2-match-omit',
    depends_on: ['vary-2-match'],
    requests: [vary2Setup({}), { expected_type: 'not_cached' }],
  },
  {
    name: "HTTP cache must not reuse three-way `Vary` response when request doesn't match",
    id: 'vary-3-no-match',
    depends_on: ['vary-3-match'],
    requests: [
      vary3Setup({}),
      {
        request_headers: [
          ['Foo', '2'],
          ['Bar', 'abc'],
          ['Baz', '789'],
        ],
        expected_type: 'not_cached',
      },
    ],
  },
  {
    name: "HTTP cache must not reuse three-way `Vary` response when request doesn't match, regardless of header order",
    id: 'vary-3-order',
    depends_on: ['vary-3-match'],
    requests: [
      vary3Setup({}),
      {
        request_headers: [
          ['Foo', '1'],
          ['Baz', '789'],
          ['Bar', 'abcde'],
        ],
        expected_type: 'not_cached',
      },
    ],
  },
  {
    name: 'HTTP cache must not reuse `Vary` response with a value of `*`',
    id: 'vary-star',
    requests: [
      {
        request_headers: [
          ['Foo', '1'],
          ['Baz', '789'],
        ],
        response_headers: [
          ['Cache-Control', 'max-age=5000'],
          ['Last-Modified', -3000],
          ['Date', 0],
          ['Vary', '*'],
        ],
        setup: true,
      },
      {
        request_headers: [
          ['Foo', '1'],
          ['Baz', '789'],
        ],
        expected_type: 'not_cached',
      },
    ],
  },
];

registerGroup('vary', tests);
