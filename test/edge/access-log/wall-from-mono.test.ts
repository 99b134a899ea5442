/** The log's wall time from a monotonic reading: right at once, a wall step seen within a second, no wall read per call. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WALL_RESYNC_MS, WallFromMono } from '../../../edge/access-log/wall-from-mono.js';
import { FakeClock } from '../../support/fake-clock.js';

/** The fake clock, counting its wall reads. */
class CountingClock extends FakeClock {
  wallReads = 0;
  override wallMs(): number {
    this.wallReads++;
    return super.wallMs();
  }
}

test('wall time of a monotonic reading equals the wall clock read at that moment, in whole milliseconds', () => {
  const clock = new CountingClock(Date.UTC(2026, 11, 2, 7, 0, 0));
  clock.advance(12.75);
  const w = new WallFromMono(clock);
  assert.is(w.wallAt(clock.monoMs()), Date.UTC(2026, 11, 2, 7, 0, 0) + 12);
  clock.advance(300.5);
  assert.is(w.wallAt(clock.monoMs()), Math.floor(clock.wallMs()));
});

test('the wall clock is read once per second of monotonic time, not per request', () => {
  const clock = new CountingClock();
  const w = new WallFromMono(clock);
  for (let i = 0; i < 1000; i++) {
    w.wallAt(clock.monoMs());
    clock.advance(0.5); // 1,000 requests over 500 ms
  }
  assert.is(clock.wallReads, 1);
  clock.advance(WALL_RESYNC_MS);
  w.wallAt(clock.monoMs());
  assert.is(clock.wallReads, 2);
});

test('a wall-clock step shows once a second has passed, and not before', () => {
  const clock = new CountingClock(Date.UTC(2026, 11, 2));
  const w = new WallFromMono(clock);
  assert.is(w.wallAt(clock.monoMs()), Date.UTC(2026, 11, 2));
  clock.jumpWall(-60_000); // NTP steps the clock back a minute
  clock.advance(400);
  assert.is(w.wallAt(clock.monoMs()), Date.UTC(2026, 11, 2) + 400, 'within the second: the old difference');
  clock.advance(600);
  assert.is(w.wallAt(clock.monoMs()), Date.UTC(2026, 11, 2) + 1000 - 60_000, 'after it: the stepped clock');
});

test('a reading taken before the last sync (a request that arrived earlier) maps with the current difference', () => {
  const clock = new CountingClock(Date.UTC(2026, 11, 2));
  const w = new WallFromMono(clock);
  clock.advance(5000);
  const arrived = clock.monoMs();
  clock.advance(1500);
  w.wallAt(clock.monoMs());
  assert.is(w.wallAt(arrived), Date.UTC(2026, 11, 2) + 5000);
});

test.run();
