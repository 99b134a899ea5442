/**
 * The suite's tests/interim.mjs ("Interim Response Handling"), transcribed: an intermediary
 * passes a 102 and a 103 through and still caches the final response. Both are 'optimal' in
 * the suite (the version stored here has no required interim test), so they run in their own
 * group outside the required count. The never-stored half (a hit replays no 103 and stores no
 * field of it) is checked end to end in test/edge/pipeline/early-hints.e2e.test.ts.
 */
import type { SuiteTest } from './suite-lib.js';
import { registerGroup } from './suite-runner.js';

const tests: SuiteTest[] = [
  {
    name: 'An optimal HTTP cache passes a 102 response through and caches the final response',
    id: 'interim-102',
    browser_skip: true,
    kind: 'optimal',
    requests: [
      {
        interim_responses: [[102]],
        expected_interim_responses: [[102]],
        response_headers: [
          ['Cache-Control', 'max-age=100000'],
          ['Date', 0],
        ],
        pause_after: true,
      },
      { expected_type: 'cached' },
    ],
  },
  {
    name: 'An optimal HTTP cache passes a 103 response through and caches the final response',
    id: 'interim-103',
    browser_skip: true,
    kind: 'optimal',
    requests: [
      {
        interim_responses: [
          [103, [
            ['link', '</styles.css>; rel=preload; as=style'],
            ['x-my-header', 'test'],
          ]],
        ],
        expected_interim_responses: [
          [103, [
            ['link', '</styles.css>; rel=preload; as=style'],
            ['x-my-header', 'test'],
          ]],
        ],
        response_headers: [
          ['Cache-Control', 'max-age=100000'],
          ['Date', 0],
        ],
        pause_after: true,
      },
      { expected_type: 'cached', expected_interim_responses: [] },
    ],
  },
];

registerGroup('interim', tests, undefined, { optional: true });
