/**
 * PeerHealth tells its observers when a peer becomes suspect and when an answer clears it (the
 * simulator's membership checker needs to know which peers an edge was skipping), and says
 * nothing on the answers of healthy peers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PeerHealth } from '../../../edge/routing/peer-health.js';
import { FakeClock } from '../../support/fake-clock.js';

function setup() {
  const clock = new FakeClock();
  const health = new PeerHealth(clock, { suspectMs: 2_000, maxSuspectMs: 5_000 });
  const seen: Array<{ peer: string; suspectForMs: number }> = [];
  health.onChange((change) => seen.push(change));
  return { clock, health, seen };
}

test('peer-health: a failure reports the suspicion period, doubling up to the bound', () => {
  const { health, seen } = setup();
  health.failed('e2');
  health.failed('e2');
  health.failed('e2');
  assert.equal(seen, [
    { peer: 'e2', suspectForMs: 2_000 },
    { peer: 'e2', suspectForMs: 4_000 },
    { peer: 'e2', suspectForMs: 5_000 },
  ]);
  assert.ok(health.isSuspect('e2'));
});

test('peer-health: an answer clears a suspect peer once; healthy peers report nothing', () => {
  const { clock, health, seen } = setup();
  health.succeeded('e3');
  assert.equal(seen, []);
  health.failed('e3');
  clock.advance(2_000);
  assert.not.ok(health.isSuspect('e3'));
  health.succeeded('e3');
  health.succeeded('e3');
  assert.equal(seen, [
    { peer: 'e3', suspectForMs: 2_000 },
    { peer: 'e3', suspectForMs: 0 },
  ]);
});

test.run();
