/** Required tests of the suite's tests/update304.mjs (freshening stored responses with a 304, RFC 9111 §4.3.4, §3.2). */
import { headerList, type HeaderListEntry } from './header-list.js';
import { httpContent, type HeaderSpec, type SuiteStep, type SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

const tests: SuiteTest[] = [];

const storedHeader = 'Test-Header';
const valueA = httpContent(`${storedHeader}-value-A`);
const lm1 = 'Wed, 01 Jan 2020 00:00:00 GMT';
tests.push({
  name: `HTTP cache must return stored \`${storedHeader}\` from a \`304\` that omits it`,
  id: `304-lm-use-stored-${storedHeader}`,
  requests: [
    {
      response_headers: [
        ['Cache-Control', 'max-age=2'],
        ['Last-Modified', lm1],
        ['Date', 0],
        [storedHeader, valueA],
      ],
      setup: true,
      pause_after: true,
    },
    {
      response_headers: [
        ['Last-Modified', lm1],
        ['Date', 0],
      ],
      expected_type: 'lm_validated',
      expected_response_headers: [[storedHeader, valueA]],
      setup_tests: ['expected_type'],
    },
  ],
});

interface Config extends HeaderListEntry {
  valueA: string;
  valueB: string;
  expectedValue: string;
}

/** check304(): only reqUpdate and noUpdate entries are required; the rest are 'check'. */
function check304(entry: HeaderListEntry): void {
  if (entry.noStore === true) return;
  if (entry.noUpdate !== true && entry.reqUpdate !== true) return;
  const valueA = entry.valA ?? httpContent(`${entry.name}-value-A`);
  const valueB = entry.valB ?? httpContent(`${entry.name}-value-B`);
  const config: Config = { ...entry, valueA, valueB, expectedValue: entry.noUpdate === true ? valueA : valueB };
  const requirement = entry.noUpdate === true ? 'HTTP cache must not' : 'HTTP cache must';
  const etag = `"${httpContent(`${entry.name}-etag-1`)}"`;
  tests.push({
    name: `${requirement} update and return \`${entry.name}\` from a \`304\``,
    id: `304-etag-update-response-${entry.name}`,
    kind: 'required',
    depends_on: [`304-lm-use-stored-${storedHeader}`],
    requests: makeRequests(config, 'ETag', etag),
  });
}

function makeRequests(config: Config, validatorType: string, validatorValue: string): SuiteStep[] {
  const checkBody = config.checkBody ?? true;
  return [
    {
      response_headers: makeResponse(config, config.valueA, validatorType, validatorValue),
      setup: true,
      pause_after: true,
      check_body: checkBody,
    },
    {
      response_headers: makeResponse(config, config.valueB, validatorType, validatorValue),
      expected_type: validatorType === 'ETag' ? 'etag_validated' : 'lm_validated',
      setup_tests: ['expected_type'],
      expected_response_headers: [[config.name, config.expectedValue]],
      check_body: checkBody,
    },
    {
      response_headers: makeResponse(config, config.expectedValue),
      expected_type: 'cached',
      setup_tests: ['expected_type'],
      expected_response_headers: [[config.name, config.expectedValue]],
      check_body: checkBody,
    },
  ];
}

function makeResponse(config: Config, value: string, validatorType?: string, validatorValue?: string): HeaderSpec[] {
  const checkHeader = config.noUpdate === undefined ? true : !config.noUpdate;
  const responseHeaders: HeaderSpec[] = [
    ['Date', 0],
    [config.name, value, checkHeader],
  ];
  if (config.name !== 'Cache-Control') responseHeaders.push(['Cache-Control', 'max-age=2']);
  if (validatorType !== undefined && validatorType !== config.name) responseHeaders.push([validatorType, validatorValue!]);
  return responseHeaders;
}

headerList.forEach(check304);

registerGroup('update304', tests);
