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

/** What the table needs from one case: the measured run of each target. */
export interface CaseSummary {
  label: string;
  baseline: TargetSummary;
  edge: TargetSummary;
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

export const HIT_TABLE_HEADER = [
  'case',
  'baseline req/s',
  'edge req/s',
  'ratio',
  'baseline p99 ms',
  'edge p99 ms',
  'p99 ratio',
  'server CPU % (b/e)',
  'generator CPU % (b/e)',
  'server core busy % (b/e)',
] as const;

export function hitTableRows(cases: readonly CaseSummary[]): string[][] {
  return cases.map((c) => [
    c.label,
    formatCount(c.baseline.requestsPerSec),
    formatCount(c.edge.requestsPerSec),
    formatRatio(ratio(c.edge.requestsPerSec, c.baseline.requestsPerSec)),
    formatMs(c.baseline.latencyUsP99),
    formatMs(c.edge.latencyUsP99),
    formatRatio(ratio(c.edge.latencyUsP99, c.baseline.latencyUsP99)),
    `${formatPercent(c.baseline.serverCpuPercent)} / ${formatPercent(c.edge.serverCpuPercent)}`,
    `${formatPercent(c.baseline.generatorCpuPercent)} / ${formatPercent(c.edge.generatorCpuPercent)}`,
    `${formatPercent(c.baseline.coreBusyPercent)} / ${formatPercent(c.edge.coreBusyPercent)}`,
  ]);
}

export function formatHitTable(cases: readonly CaseSummary[]): string {
  return formatTable(HIT_TABLE_HEADER, hitTableRows(cases), ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right']);
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
