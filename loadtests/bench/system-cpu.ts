/**
 * Whole-CPU accounting from /proc/stat, next to the per-process numbers: how busy the server's
 * CPU was in total, how much of that was softirq (loopback packet work, which the kernel may not
 * charge to the process) and how much the hypervisor stole. If the CPU was busier than the
 * server plus softirq, something else ran there and the run was disturbed.
 */
import { readFileSync } from 'node:fs';

export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

/** The `cpuN` lines of /proc/stat, by CPU number (the aggregate `cpu` line is skipped). */
export function parseSystemCpuTimes(text: string): Map<number, CpuTimes> {
  const out = new Map<number, CpuTimes>();
  for (const line of text.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (m === null) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    const at = (i: number): number => (Number.isFinite(f[i]) ? f[i]! : 0);
    out.set(Number(m[1]), { user: at(0), nice: at(1), system: at(2), idle: at(3), iowait: at(4), irq: at(5), softirq: at(6), steal: at(7) });
  }
  return out;
}

export function readSystemCpuTimes(): Map<number, CpuTimes> {
  try {
    return parseSystemCpuTimes(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return new Map();
  }
}

export interface CpuBusy {
  /** Everything but idle and iowait, in percent of the interval. */
  busyPercent: number;
  softirqPercent: number;
  stealPercent: number;
}

/** Shares of the elapsed ticks between two samples of one CPU. */
export function cpuBusy(before: CpuTimes, after: CpuTimes): CpuBusy {
  const d = (k: keyof CpuTimes): number => after[k] - before[k];
  const total = d('user') + d('nice') + d('system') + d('idle') + d('iowait') + d('irq') + d('softirq') + d('steal');
  if (total <= 0) return { busyPercent: NaN, softirqPercent: NaN, stealPercent: NaN };
  const pct = (x: number): number => (x / total) * 100;
  return { busyPercent: pct(total - d('idle') - d('iowait')), softirqPercent: pct(d('softirq')), stealPercent: pct(d('steal')) };
}
