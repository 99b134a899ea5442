/** Required tests of the suite's tests/partial.mjs (combining partial content, RFC 9111 §3.4). */
import type { SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

const tests: SuiteTest[] = [
  {
    name: 'HTTP cache must use header fields from the new response',
    id: 'partial-use-headers',
    depends_on: ['partial-store-complete-reuse-partial'],
    requests: [
      {
        response_headers: [
          ['Cache-Control', 'max-age=3600'],
          ['A', '1'],
        ],
        response_body: '01234567890',
        setup: true,
      },
      {
        request_headers: [['Range', 'bytes=0-1']],
        expected_type: 'cached',
        expected_status: 206,
        expected_response_text: '01',
        setup_tests: ['expected_type', 'expected_status', 'expected_response_text'],
        response_headers: [['A', '2']],
      },
    ],
  },
  {
    name: 'HTTP cache must preserve unupdated header fields from the stored response',
    id: 'partial-use-stored-headers',
    depends_on: ['partial-store-complete-reuse-partial'],
    requests: [
      {
        response_headers: [
          ['Cache-Control', 'max-age=3600'],
          ['A', '1'],
        ],
        response_body: '01234567890',
        setup: true,
      },
      {
        request_headers: [['Range', 'bytes=0-1']],
        expected_type: 'cached',
        expected_status: 206,
        expected_response_text: '01',
        setup_tests: ['expected_type', 'expected_status', 'expected_response_text'],
        expected_response_headers: [['A', '1']],
      },
    ],
  },
];

registerGroup('partial', tests);
