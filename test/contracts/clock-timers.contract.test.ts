/** Every Clock and Timers implementation passes the same contract (clock-timers.contract.ts). */
import { test } from 'uvu';
import { systemClock, systemTimers } from '../../common/adapters/system-clock.js';
import { SimNode } from '../../sim/kernel/node.js';
import { Scheduler } from '../../sim/kernel/scheduler.js';
import { FakeClock } from '../support/fake-clock.js';
import { ManualTimers } from '../support/manual-timers.js';
import { clockContract, timersContract } from './clock-timers.contract.js';

const simNode = (): { node: SimNode; scheduler: Scheduler } => {
  const scheduler = new Scheduler();
  return { node: new SimNode('n1', 'edge', 'r', 'n1.sim', scheduler), scheduler };
};

clockContract('system clock', () => ({ clock: systemClock }));
clockContract('simulated node clock', () => {
  const { node, scheduler } = simNode();
  return { clock: node.clock, advance: (ms) => scheduler.run(scheduler.now() + ms) };
});
clockContract('FakeClock', () => {
  const clock = new FakeClock();
  return { clock, advance: async (ms) => clock.advance(ms) };
});

timersContract('system timers', () => ({ timers: systemTimers, advance: async () => undefined }));
timersContract('simulated node timers', () => {
  const { node, scheduler } = simNode();
  return { timers: node.timers, advance: (ms) => scheduler.run(scheduler.now() + ms) };
});
timersContract('ManualTimers', () => {
  const timers = new ManualTimers();
  return { timers, advance: async (ms) => timers.advance(ms) };
});

test.run();
