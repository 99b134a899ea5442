/**
 * membership-origin's bound counts the background: origin fetches of warm keys that happen to
 * every key (a lost packet makes an owner suspect, an owner behind on purges answers purge-lag)
 * are not handoff failures. Swarm seeds 517, 707 and 817 refetched moved keys at 6-9% against
 * a bound of 5% + 1, while the keys that did not move were refetched at 7-21% in the same windows.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MembershipOrigin } from '../../../sim/checkers/membership-origin.js';
import { Ring } from '../../../edge/routing/ring.js';
import type { HistoryRecord } from '../../../sim/history.js';

const BEFORE = 'r1-e1,r1-e2,r1-e3,r1-e4';
const AFTER = 'r1-e1,r1-e2,r1-e3';
const ringOf = (ids: string) => new Ring(ids.split(',').map((id) => ({ id, url: `http://${id}.sim`, weight: 1 })));
const before = ringOf(BEFORE);
const after = ringOf(AFTER);
const keys = Array.from({ length: 400 }, (_, i) => `/o/${i}?size=100`);
const moved = keys.filter((k) => before.owner(k).id !== after.owner(k).id).slice(0, 60);
const unmoved = keys.filter((k) => before.owner(k).id === after.owner(k).id).slice(0, 200);

const origin = (t: number, key: string): HistoryRecord => ({ type: 'origin', t, from: 'r1-e1', key, method: 'GET', status: 200, version: 1, conditional: false, lifetimeMs: 60_000 });
const client = (t: number, key: string): HistoryRecord => ({
  type: 'request', t, arrivedMs: t, node: 'r1-e1', region: 'r1', role: 'client', key, method: 'GET', status: 200, kind: 'miss', version: 1, bytes: 1, truncated: false, latencyMs: 0,
});

/** Every key warm in the region, one leave, every key asked for, and `movedRefetched` / `unmovedRefetched` of them fetched again. */
function run(movedRefetched: number, unmovedRefetched: number) {
  const c = new MembershipOrigin(10_000, 0.05, new Map([['r1-e1', 'r1'], ['r1-e2', 'r1'], ['r1-e3', 'r1'], ['r1-e4', 'r1']]));
  for (const k of [...moved, ...unmoved]) c.record(origin(100, k));
  c.record({ type: 'membership', t: 1_000, region: 'r1', node: 'r1-e4', change: 'leave', before: BEFORE, after: AFTER });
  for (const k of [...moved, ...unmoved]) c.record(client(2_000, k));
  for (const k of moved.slice(0, movedRefetched)) c.record(origin(3_000, k));
  for (const k of unmoved.slice(0, unmovedRefetched)) c.record(origin(3_000, k));
  return c.verdict();
}

test('membership-origin: moved keys refetched at the background rate pass (seed 517: 9% moved, 10% unmoved)', () => {
  assert.ok(moved.length >= 40 && unmoved.length === 200, 'the fixture has enough keys of each kind');
  const v = run(Math.round(moved.length * 0.09), 20);
  assert.ok(v.ok, v.examples.join('\n'));
  assert.is(v.stats!['backgroundFraction'], 0.1);
});

test('membership-origin: the same refetches without a background are still a violation', () => {
  const v = run(Math.round(moved.length * 0.09), 0);
  assert.not.ok(v.ok);
  assert.match(v.examples[0]!, /origin fetches caused by 1 membership changes; bound 4/);
});

test('membership-origin: moved keys refetched far above the background are caught (handoff lost)', () => {
  const v = run(Math.round(moved.length * 0.5), 20);
  assert.not.ok(v.ok);
  assert.is(v.stats!['causedFetches'], Math.round(moved.length * 0.5));
});

test.run();
