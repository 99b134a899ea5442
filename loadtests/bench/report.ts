/** Turning results into text: the machine line, the hit-path table and the memory lines. Pure. */

export interface Machine {
  nproc: number;
  cpuModel: string;
  node: string;
  kernel: string;
}

/** The first `model name` in /proc/cpuinfo (x86), else `Hardware`/`Processor` (some ARM kernels). */
export function parseCpuModel(cpuinfo: string): string {
  for (const key of ['model name', 'Hardware', 'Processor', 'cpu model']) {
    const m = new RegExp(`^${key}\\s*:\\s*(.+)$`, 'm').exec(cpuinfo);
    if (m !== null && m[1]!.trim() !== '') return m[1]!.trim();
  }
  return 'unknown';
}

export function formatMachine(m: Machine): string {
  return `machine: ${m.nproc} CPUs, ${m.cpuModel}; node ${m.node}; linux ${m.kernel}`;
}

/** edge / baseline; NaN when the baseline is 0 or missing. */
export function ratio(edge: number, baseline: number): number {
  return baseline > 0 && Number.isFinite(baseline) && Number.isFinite(edge) ? edge / baseline : NaN;
}

export function formatRatio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a';
}

/** Rounded, with thousands separators: 12,345. */
export function formatCount(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  return Math.round(x).toLocaleString('en-US');
}

export function formatMs(us: number): string {
  if (!Number.isFinite(us)) return 'n/a';
  const ms = us / 1000;
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

export function formatPercent(x: number): string {
  return Number.isFinite(x) ? x.toFixed(0) : 'n/a';
}

export type Align = 'left' | 'right';

/** A plain-text table: header, a dashed rule, rows; columns padded to their widest cell. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, align: readonly Align[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (align[i] === 'left' ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export interface TargetSummary {
  requestsPerSec: number;
  latencyUsP99: number;
  serverCpuPercent: number;
  generatorCpuPercent: number;
  /** The server's whole CPU: every process on it plus softirq and steal. */
  coreBusyPercent: number;
  coreSoftirqPercent: number;
}

/** One line of the hit table: one server in one case, and its ratios to the reference server. */
export interface HitTableLine {
  label: string;
  target: string;
  summary: TargetSummary;
  /** Median of per-round req/s ratios to the reference (nginx when it ran); NaN for the reference itself. */
  medianRatio: number;
}

export const HIT_TABLE_HEADER = ['case', 'server', 'req/s', 'p99 ms', 'req/s ratio (median of rounds)', 'server CPU %', 'generator CPU %', 'server core busy %'] as const;

export function hitTableRows(lines: readonly HitTableLine[]): string[][] {
  return lines.map((l) => [
    l.label,
    l.target,
    formatCount(l.summary.requestsPerSec),
    formatMs(l.summary.latencyUsP99),
    Number.isNaN(l.medianRatio) ? '' : formatRatio(l.medianRatio),
    formatPercent(l.summary.serverCpuPercent),
    formatPercent(l.summary.generatorCpuPercent),
    formatPercent(l.summary.coreBusyPercent),
  ]);
}

export function formatHitTable(lines: readonly HitTableLine[]): string {
  return formatTable(HIT_TABLE_HEADER, hitTableRows(lines), ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right']);
}

/** `round 3: edge 41,000, nginx 50,000; edge/nginx 0.82x`: one line per measured round. */
export function formatRoundLine(round: number, rps: ReadonlyArray<readonly [string, number]>, ratioName: string, ratioValue: number): string {
  return `round ${round}: ${rps.map(([n, x]) => `${n} ${formatCount(x)}`).join(', ')}${ratioName === '' ? '' : `; ${ratioName} ${formatRatio(ratioValue)}`}`;
}

/** A generator near 100% of its CPU cannot be trusted to have pushed the server to its limit. */
export function generatorLimited(generatorCpuPercent: number, serverCpuPercent: number): boolean {
  return generatorCpuPercent >= 90 && serverCpuPercent < 90;
}

/**
 * A lower bound on the share of the server's core that other processes used: busy minus the
 * server minus softirq. Kernels differ in whether softirq run in the server's context is also
 * in its stime (then this undercounts), so only a clearly positive value means a disturbed run.
 * NaN without whole-CPU numbers.
 */
export function foreignCorePercent(t: TargetSummary): number {
  return Math.max(0, t.coreBusyPercent - t.serverCpuPercent - t.coreSoftirqPercent);
}

export interface MemorySummary {
  server: string;
  points: ReadonlyArray<{ objects: number; rssKiB: number }>;
  kibPerObject: number;
  r2: number;
}

export function formatMemoryLine(m: MemorySummary, bodyBytes: number): string {
  const pts = m.points.map((p) => `${formatCount(p.objects)}: ${(p.rssKiB / 1024).toFixed(1)}`).join(', ');
  const overhead = m.kibPerObject - bodyBytes / 1024;
  return (
    `memory ${m.server}: ${m.kibPerObject.toFixed(2)} KiB per ${bodyBytes}-byte object ` +
    `(${overhead >= 0 ? '+' : ''}${overhead.toFixed(2)} KiB over the body; least-squares over RSS MiB at ${pts}; r2=${m.r2.toFixed(3)})`
  );
}
