/** The bench's membership rows: caused fractions judged against 5%, client errors against 0. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { membershipRows } from '../../../loadtests/bench/summary.js';

const figure = (id: string, caused: number, requested: number, errors = 0) => ({ id, label: id, seeds: 3, requestedMovedKeys: requested, causedFetches: caused, causedFraction: caused / requested, clientErrors: errors, checkersPassed: true });

test('a fraction at or under 5% and no client errors are met; above or with errors, MISSED', () => {
  const rows = membershipRows([figure('join', 5, 100), figure('leave', 6, 100, 1)], '');
  assert.equal(rows.map((r) => [r.key, r.verdict]), [
    ['membership.join.causedFraction', 'met'],
    ['membership.join.clientErrors', 'met'],
    ['membership.leave.causedFraction', 'MISSED'],
    ['membership.leave.clientErrors', 'MISSED'],
  ]);
});

test('skipped when the bench did not run', () => {
  assert.is(membershipRows(undefined, 'skipped (BENCH_MEMBERSHIP=0)')[0]!.verdict, 'skipped');
});

test.run();
