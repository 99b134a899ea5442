/** The real clocks: wall time from Date.now, monotonic time from performance.now. */
import { performance } from 'node:perf_hooks';
import type { Clock, Random, TimerHandle, Timers } from '../ports.js';

export const systemClock: Clock = {
  wallMs: () => Date.now(),
  monoMs: () => performance.now(),
};

export const systemTimers: Timers = {
  after(delayMs: number, callback: () => void): TimerHandle {
    const timer = setTimeout(callback, delayMs);
    // A pending timeout (a background refresh, a collapse wait) must not keep the process alive.
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

export const systemRandom: Random = {
  next: () => Math.random(),
};
