import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WindowBudget } from '../../../edge/adapters/h2/window-budget.js';
import { FakeClock } from '../../support/fake-clock.js';

test('actions up to the budget pass; the next one in the same window does not', () => {
  const clock = new FakeClock();
  const budget = new WindowBudget(clock, 3, 1_000);
  assert.equal([budget.spend(), budget.spend(), budget.spend(), budget.spend()], [true, true, true, false]);
});

test('a new window starts a new count: a client that cancels now and then is never cut off', () => {
  const clock = new FakeClock();
  const budget = new WindowBudget(clock, 2, 1_000);
  assert.ok(budget.spend());
  assert.ok(budget.spend());
  clock.advance(999);
  assert.not.ok(budget.spend(), 'still the first window');
  clock.advance(1);
  assert.ok(budget.spend(), 'a fresh window');
  assert.ok(budget.spend());
  assert.not.ok(budget.spend());
});

test.run();
