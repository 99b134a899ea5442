/** CPU and memory accounting from /proc: field parsing and the arithmetic on top of it. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { leastSquares, parseVmRssKiB } from '../../../loadtests/bench/memory.js';
import { cpuPercent, parseProcStat } from '../../../loadtests/bench/processes.js';
import { cpuBusy, parseSystemCpuTimes } from '../../../loadtests/bench/system-cpu.js';

// utime (field 14) = 1234, stime (field 15) = 56.
const STAT = '4242 (node) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 56 0 0 20 0 11 0 81400 1100000000 30000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 0 0 0 0 0 0';

test('parseProcStat: utime and stime are fields 14 and 15', () => {
  assert.equal(parseProcStat(STAT), { utimeTicks: 1234, stimeTicks: 56 });
});

test('parseProcStat: a command name with spaces and parentheses does not shift the fields', () => {
  const tricky = STAT.replace('(node)', '(my (odd) name)');
  assert.equal(parseProcStat(tricky), { utimeTicks: 1234, stimeTicks: 56 });
});

test('parseProcStat: a real /proc/self/stat line parses', () => {
  const real = '7753 (cat) R 7751 7751 4473 0 -1 4194304 101 0 0 0 7 3 0 0 20 0 1 0 81400 3133440 413 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';
  assert.equal(parseProcStat(real), { utimeTicks: 7, stimeTicks: 3 });
});

test('parseProcStat: rejects text that is not a stat line', () => {
  assert.throws(() => parseProcStat('no parenthesis here'));
  assert.throws(() => parseProcStat('1 (x) S 1'));
});

const CPU_ROWS: Array<[string, [number, number], [number, number], number, number, number]> = [
  // name, before [u, s], after [u, s], ticks/s, wall ms, expected %
  ['a full CPU for 10 s', [100, 50], [900, 250], 100, 10_000, 100],
  ['half a CPU for 2 s', [0, 0], [80, 20], 100, 2_000, 50],
  ['stime counts as much as utime', [0, 0], [0, 150], 100, 3_000, 50],
  ['250 Hz ticks', [0, 0], [250, 0], 250, 1_000, 100],
  ['idle', [10, 10], [10, 10], 100, 5_000, 0],
  ['no wall time is 0, not Infinity', [0, 0], [5, 5], 100, 0, 0],
];

for (const [name, [u0, s0], [u1, s1], hz, wallMs, expected] of CPU_ROWS) {
  test(`cpuPercent: ${name}`, () => {
    const got = cpuPercent({ utimeTicks: u0, stimeTicks: s0 }, { utimeTicks: u1, stimeTicks: s1 }, hz, wallMs);
    assert.ok(Math.abs(got - expected) < 1e-9, `${got} != ${expected}`);
  });
}

test('parseVmRssKiB: the VmRSS line of /proc/<pid>/status', () => {
  const status = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t  150000 kB\nVmRSS:\t  123456 kB\nRssAnon:\t  100000 kB\n';
  assert.is(parseVmRssKiB(status), 123456);
  assert.throws(() => parseVmRssKiB('Name:\tnode\n'), /VmRSS/);
});

test('leastSquares: points on a line give its slope, intercept and r2 = 1', () => {
  const fit = leastSquares([0, 25_000, 50_000, 75_000, 100_000].map((x) => ({ x, y: 50_000 + 2.5 * x })));
  assert.ok(Math.abs(fit.slope - 2.5) < 1e-9);
  assert.ok(Math.abs(fit.intercept - 50_000) < 1e-6);
  assert.ok(Math.abs(fit.r2 - 1) < 1e-12);
});

test('leastSquares: noisy points, checked against a hand computation', () => {
  // x = 0,1,2,3; y = 1,3,2,5: mean x 1.5, mean y 2.75, sxy = 5.5, sxx = 5, syy = 8.75.
  const fit = leastSquares([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 2 }, { x: 3, y: 5 }]);
  assert.ok(Math.abs(fit.slope - 1.1) < 1e-12);
  assert.ok(Math.abs(fit.intercept - 1.1) < 1e-12);
  assert.ok(Math.abs(fit.r2 - (5.5 * 5.5) / (5 * 8.75)) < 1e-12);
});

test('leastSquares: fewer than two points or a vertical line throw', () => {
  assert.throws(() => leastSquares([{ x: 1, y: 1 }]));
  assert.throws(() => leastSquares([{ x: 1, y: 1 }, { x: 1, y: 2 }]));
});

const PROC_STAT = 'cpu  28129 0 11160 155436 116 0 3652 13 0 0\ncpu0 14619 0 4661 78045 9 0 2114 7 0 0\ncpu1 13510 0 6499 77390 107 0 1538 6 0 0\nintr 1390044 0 0\n';

test('parseSystemCpuTimes: per-CPU lines, not the aggregate', () => {
  const cpus = parseSystemCpuTimes(PROC_STAT);
  assert.equal([...cpus.keys()], [0, 1]);
  assert.equal(cpus.get(0), { user: 14619, nice: 0, system: 4661, idle: 78045, iowait: 9, irq: 0, softirq: 2114, steal: 7 });
});

test('cpuBusy: busy, softirq and steal as shares of the elapsed ticks', () => {
  const before = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
  // 1000 ticks: 600 user, 100 system, 100 softirq, 50 steal, 140 idle, 10 iowait.
  const after = { user: 600, nice: 0, system: 100, idle: 140, iowait: 10, irq: 0, softirq: 100, steal: 50 };
  const b = cpuBusy(before, after);
  assert.ok(Math.abs(b.busyPercent - 85) < 1e-9);
  assert.ok(Math.abs(b.softirqPercent - 10) < 1e-9);
  assert.ok(Math.abs(b.stealPercent - 5) < 1e-9);
  assert.ok(Number.isNaN(cpuBusy(before, before).busyPercent));
});

test.run();
