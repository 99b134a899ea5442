/** Required tests of the suite's tests/headers.mjs (storing header fields, RFC 9111 §3.1). */
import { headerList, type HeaderListEntry } from './header-list.js';
import { fresh, httpContent, type HeaderSpec, type SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

const tests: SuiteTest[] = [
  {
    name: '`Connection` header must inhibit a HTTP cache from storing listed headers',
    id: 'headers-omit-headers-listed-in-Connection',
    kind: 'required',
    depends_on: ['freshness-max-age'],
    requests: [
      fresh({
        response_headers: [
          ['Connection', 'a, b', false],
          ['a', '1', false],
          ['b', '2', false],
          ['c', '3', false],
        ],
      }),
      {
        expected_type: 'cached',
        expected_response_headers: [['c', '3']],
        expected_response_headers_missing: ['a', 'b'],
        setup_tests: ['expected_type', 'expected_response_headers'],
      },
    ],
  },
];

function checkStoreHeader(config: HeaderListEntry): void {
  const id = `store-${config.name}`;
  const value = config.valB ?? httpContent(`${config.name}-store-value`);
  const storeHeader = config.noStore === undefined ? true : !config.noStore;
  const requirement = storeHeader ? 'must' : 'must not';
  const expectedHeaders: Array<[string, string]> = storeHeader ? [[config.name, value]] : [];
  const unexpectedHeaders: Array<[string, string]> = storeHeader ? [] : [[config.name, value]];
  const respHeaders: HeaderSpec[] = [
    ['Date', 0],
    [config.name, value, storeHeader],
  ];
  if (config.name !== 'Cache-Control') respHeaders.push(['Cache-Control', 'max-age=3600']);
  const checkBody = config.checkBody ?? true;
  tests.push({
    name: `HTTP cache ${requirement} store \`${config.name}\` header field`,
    id: `headers-${id}`,
    kind: 'required',
    depends_on: ['freshness-max-age'],
    requests: [
      { response_headers: respHeaders, setup: true, pause_after: true, check_body: checkBody },
      {
        expected_type: 'cached',
        expected_response_headers: expectedHeaders,
        expected_response_headers_missing: unexpectedHeaders,
        setup_tests: ['expected_type'],
        check_body: checkBody,
      },
    ],
  });
}

headerList.forEach(checkStoreHeader);

// Deliberate deviation: by default the edge does not store responses that set cookies (a shared
// cache replaying one visitor's Set-Cookie to everyone is a security hole; see README). The
// suite's headers-store-Set-Cookie therefore runs with the opt-in `--set-cookie store`, and
// test/edge/pipeline/hit-miss.e2e.test.ts pins the default behaviour.
const SET_COOKIE_ID = 'headers-store-Set-Cookie';
registerGroup('headers', tests.filter((t) => t.id !== SET_COOKIE_ID));
registerGroup('headers (--set-cookie store)', tests.filter((t) => t.id === SET_COOKIE_ID), { setCookie: 'store' });
