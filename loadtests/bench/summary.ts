/**
 * The one table `npm run bench` ends with: a row per published number, its target and whether
 * it was met; and the spread of those numbers over several runs' results.json. Pure.
 */
import { formatTable } from './report.js';
import { halfRangeSpread } from './stats.js';
import type { MembershipFigures } from '../../sim/membership-bench.js';

export type Verdict = 'met' | 'MISSED' | 'info' | 'skipped';

/** A number's target: at least / at most `value`, or a yes/no condition described in words. */
export type Target = { op: '>=' | '<='; value: number } | { op: 'holds'; text: string; ok: boolean };

export interface SummaryRow {
  /** Stable id, to match rows across runs: `hit.one-1k.nginxRatio`. */
  key: string;
  bench: string;
  metric: string;
  /** null when the bench did not produce it. */
  value: number | null;
  unit: string;
  target: Target | null;
  verdict: Verdict;
  /** Why a row is skipped, or a caveat. */
  note?: string;
}

export function judge(value: number | null, target: Target | null): Verdict {
  if (target === null) return 'info';
  if (target.op === 'holds') return target.ok ? 'met' : 'MISSED';
  if (value === null || !Number.isFinite(value)) return 'MISSED';
  return (target.op === '>=' ? value >= target.value : value <= target.value) ? 'met' : 'MISSED';
}

export function row(key: string, bench: string, metric: string, value: number | null, unit: string, target: Target | null = null): SummaryRow {
  return { key, bench, metric, value: value !== null && Number.isFinite(value) ? value : null, unit, target, verdict: judge(value, target) };
}

export function skipped(key: string, bench: string, note: string): SummaryRow {
  return { key, bench, metric: '(skipped)', value: null, unit: '', target: null, verdict: 'skipped', note };
}

/** 3 significant-ish digits: 0.971, 12.3, 4,512; `count` as an integer, `bool` as yes/no. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null) return 'n/a';
  if (unit === 'count') return Math.round(value).toLocaleString('en-US');
  if (unit === 'bool') return value !== 0 ? 'yes' : 'no';
  const abs = Math.abs(value);
  const text =
    unit === 'x' || unit === 'ratio'
      ? value.toFixed(abs >= 10 ? 1 : abs >= 1 ? 2 : 3)
      : abs >= 1000
        ? Math.round(value).toLocaleString('en-US')
        : abs >= 100
          ? value.toFixed(0)
          : abs >= 10
            ? value.toFixed(1)
            : value.toFixed(2);
  return unit === '' || unit === 'ratio' ? text : unit === 'x' ? `${text}x` : `${text} ${unit}`;
}

export function formatTarget(t: Target | null, unit: string): string {
  if (t === null) return '';
  if (t.op === 'holds') return t.text;
  return `${t.op} ${formatValue(t.value, unit)}`;
}

export function formatSummaryTable(rows: readonly SummaryRow[]): string {
  return formatTable(
    ['benchmark', 'metric', 'value', 'target', 'verdict'],
    rows.map((r) => [r.bench, r.metric, r.verdict === 'skipped' ? (r.note ?? 'skipped') : formatValue(r.value, r.unit), formatTarget(r.target, r.unit), r.verdict === 'info' ? '' : r.verdict]),
    ['left', 'left', 'right', 'left', 'left'],
  );
}

// ---- rows per benchmark -------------------------------------------------------------------

/** Issue 18: the hit path with the access log on (JSON lines to a file) against the same edge without. */
export const ACCESS_LOG_RATIO_TARGET = 0.9;

export function accessLogRows(
  cases: ReadonlyArray<{ id: string; label: string; logOverNoLog: number | null; cpuPerRequestNoLogOverLog: number | null }>,
  ran: boolean,
): SummaryRow[] {
  if (!ran) return [skipped('hit.accessLog', 'access log', 'skipped (BENCH_ACCESS_LOG=0)')];
  return cases.flatMap((c) => [
    row(`hit.${c.id}.accessLogRatio`, 'access log', `${c.label}: req/s with --access-log FILE / without (median of rounds)`, c.logOverNoLog, 'x', { op: '>=', value: ACCESS_LOG_RATIO_TARGET }),
    // What the ratio would be were the edge CPU-bound: less moved by other processes sharing its core.
    row(`hit.${c.id}.accessLogCpuRatio`, 'access log', `${c.label}: edge CPU per request without / with (whole run)`, c.cpuPerRequestNoLogOverLog, 'x'),
  ]);
}

export interface HitCaseFigures {
  id: string;
  label: string;
  bodyBytes: number;
  /** Medians of per-round req/s ratios; null when that server did not run. */
  edgeOverNginx: number | null;
  edgeOverVarnish: number | null;
  edgeOverBaseline: number | null;
  /** The edge's worst p99 over the rounds (info). */
  edgeP99Ms: number;
  /** Median of per-round p99 ratios (hit-path.ts medianP99Ratio); null when nginx did not run. */
  p99OverNginx: number | null;
}

/**
 * Issue 16: one edge core serves hits at least as fast as one nginx core: req/s edge/nginx >= 1.0
 * for 1 KiB objects (>= 0.9 for 100 KiB), p99 at most 1.5x nginx's, in the same rounds.
 */
export const HIT_TARGETS = Object.freeze({ nginxRatioSmall: 1.0, nginxRatioLarge: 0.9, p99OverNginx: 1.5, smallBodyBytes: 1024 });

export function hitPathRows(cases: readonly HitCaseFigures[], nginxNote: string): SummaryRow[] {
  return cases.flatMap((c) => {
    const rows: SummaryRow[] = [];
    if (c.edgeOverNginx === null) {
      rows.push(skipped(`hit.${c.id}.nginxRatio`, 'hit path', `${c.label}: ${nginxNote}`));
    } else {
      const want = c.bodyBytes <= HIT_TARGETS.smallBodyBytes ? HIT_TARGETS.nginxRatioSmall : HIT_TARGETS.nginxRatioLarge;
      rows.push(row(`hit.${c.id}.nginxRatio`, 'hit path', `${c.label}: req/s edge/nginx`, c.edgeOverNginx, 'x', { op: '>=', value: want }));
      const p99 = c.p99OverNginx !== null && Number.isFinite(c.p99OverNginx) ? c.p99OverNginx : null;
      rows.push(row(`hit.${c.id}.p99OverNginx`, 'hit path', `${c.label}: p99 edge/nginx (median of rounds)`, p99, 'x', { op: '<=', value: HIT_TARGETS.p99OverNginx }));
    }
    if (c.edgeOverVarnish !== null) rows.push(row(`hit.${c.id}.varnishRatio`, 'hit path', `${c.label}: req/s edge/varnish`, c.edgeOverVarnish, 'x'));
    if (c.edgeOverBaseline !== null) rows.push(row(`hit.${c.id}.baselineRatio`, 'hit path', `${c.label}: req/s edge/baseline`, c.edgeOverBaseline, 'x'));
    rows.push(row(`hit.${c.id}.edgeP99Ms`, 'hit path', `${c.label}: edge p99`, c.edgeP99Ms, 'ms'));
    return rows;
  });
}

/** Issue 2: at most 2 KiB per cached 1 KiB object; issue 16: less than nginx's in the same run. */
export function memoryRows(edgeKiBPerObject: number | undefined, nginxKiBPerObject: number | undefined, baselineKiBPerObject: number | undefined): SummaryRow[] {
  if (edgeKiBPerObject === undefined) return [skipped('memory.edgeKiB', 'memory', 'skipped (BENCH_MEMORY_OBJECTS=0)')];
  const rows = [row('memory.edgeKiB', 'memory', 'edge KiB per 1 KiB object', edgeKiBPerObject, 'KiB', { op: '<=', value: 2 })];
  if (nginxKiBPerObject !== undefined) {
    rows.push(row('memory.nginxKiB', 'memory', 'nginx KiB per 1 KiB object (worker RSS + tmpfs cache files)', nginxKiBPerObject, 'KiB'));
    rows.push(row('memory.nginxRatio', 'memory', 'KiB per object edge/nginx', nginxKiBPerObject > 0 ? edgeKiBPerObject / nginxKiBPerObject : null, 'x', { op: '<=', value: 1 }));
  }
  if (baselineKiBPerObject !== undefined) {
    rows.push(row('memory.baselineKiB', 'memory', 'baseline KiB per 1 KiB object', baselineKiBPerObject, 'KiB'));
  }
  return rows;
}

export interface ClusterFigures {
  clusterHitRatio: number;
  clusterOverIdealHitRatio: number;
  clusterOverIndependentOrigin: number;
}

/** Issue 3: cluster hit ratio at least 0.97 of the ideal; origin requests at most half the independent edges'. */
export function clusterRows(c: ClusterFigures | undefined): SummaryRow[] {
  if (c === undefined) return [skipped('cluster.overIdeal', 'cluster', 'skipped (BENCH_CLUSTER=0)')];
  return [
    row('cluster.hitRatio', 'cluster', 'cluster hit ratio', c.clusterHitRatio, 'ratio'),
    row('cluster.overIdeal', 'cluster', 'hit ratio cluster/ideal', c.clusterOverIdealHitRatio, 'ratio', { op: '>=', value: 0.97 }),
    row('cluster.originRatio', 'cluster', 'origin requests cluster/independent', c.clusterOverIndependentOrigin, 'ratio', { op: '<=', value: 0.5 }),
  ];
}

export interface PurgeFigures {
  edges: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  fromPostP99Ms: number;
  /** null when the sustained phase was skipped. */
  sustained: { purgesPerSecond: number; lagGrowing: boolean; lagMax: number } | null;
  orderViolations: number;
}

/** Issue 4: p99 to 10 edges at most 10 ms; at least 5,000 purges/s with lag not growing. */
export function purgeRows(p: PurgeFigures | undefined, note = 'skipped (BENCH_PURGE=0)'): SummaryRow[] {
  if (p === undefined) return [skipped('purge.p99Ms', 'purge', note)];
  const to = `202 -> applied on ${p.edges} edges`;
  const rows = [
    row('purge.p50Ms', 'purge', `${to}: p50`, p.p50Ms, 'ms'),
    row('purge.p99Ms', 'purge', `${to}: p99`, p.p99Ms, 'ms', { op: '<=', value: 10 }),
    row('purge.maxMs', 'purge', `${to}: max`, p.maxMs, 'ms'),
    row('purge.fromPostP99Ms', 'purge', `POST -> applied on ${p.edges} edges: p99`, p.fromPostP99Ms, 'ms'),
    row('purge.order', 'purge', 'out-of-order or skipped applies', p.orderViolations, 'count', { op: '<=', value: 0 }),
  ];
  if (p.sustained === null) {
    rows.push(skipped('purge.perSecond', 'purge', 'sustained skipped (BENCH_PURGE_SECONDS=0)'));
  } else {
    rows.push(row('purge.perSecond', 'purge', 'sustained purges/s accepted', p.sustained.purgesPerSecond, '/s', { op: '>=', value: 5000 }));
    rows.push(row('purge.lagMax', 'purge', 'sustained lag, max (purges)', p.sustained.lagMax, 'count', { op: 'holds', text: 'not growing', ok: !p.sustained.lagGrowing }));
  }
  return rows;
}

export interface PeerHopSizeFigures {
  /** `1k`, `100k`: part of the row keys. */
  id: string;
  label: string;
  bodyBytes: number;
  directP50Ms: number;
  directP99Ms: number;
  peerP50Ms: number;
  peerP99Ms: number;
  addedP50Ms: number;
}

/** Issue 3: a peer hop adds at most 1 ms p50 on loopback over a direct hit, for 1 KiB objects. */
export const PEER_HOP_TARGETS = Object.freeze({ addedP50Ms: 1, bodyBytes: 1024 });

/** The targeted size's added p50 against PEER_HOP_TARGETS, its legs' p50/p99 as info; other sizes' added p50 as info. */
export function peerHopRows(sizes: readonly PeerHopSizeFigures[] | undefined, note = 'skipped (BENCH_PEERHOP=0)'): SummaryRow[] {
  if (sizes === undefined) return [skipped('peerHop.1k.addedP50Ms', 'peer hop', note)];
  return sizes.flatMap((s) => {
    const added = `peer hop p50 added over a direct hit (${s.label})`;
    if (s.bodyBytes !== PEER_HOP_TARGETS.bodyBytes) return [row(`peerHop.${s.id}.addedP50Ms`, 'peer hop', added, s.addedP50Ms, 'ms')];
    return [
      row(`peerHop.${s.id}.addedP50Ms`, 'peer hop', added, s.addedP50Ms, 'ms', { op: '<=', value: PEER_HOP_TARGETS.addedP50Ms }),
      row(`peerHop.${s.id}.directP50Ms`, 'peer hop', `direct hit p50 (${s.label})`, s.directP50Ms, 'ms'),
      row(`peerHop.${s.id}.directP99Ms`, 'peer hop', `direct hit p99 (${s.label})`, s.directP99Ms, 'ms'),
      row(`peerHop.${s.id}.peerP50Ms`, 'peer hop', `via peer p50 (${s.label})`, s.peerP50Ms, 'ms'),
      row(`peerHop.${s.id}.peerP99Ms`, 'peer hop', `via peer p99 (${s.label})`, s.peerP99Ms, 'ms'),
    ];
  });
}

export interface SimFigures {
  simulatedRequestsPerWallSecond: number;
  simulatedToWallRatio: number;
  checkersPassed: boolean;
  /** The same workload through the real edges with no simulator: the bound on the first figure. */
  realCodeOnlyRequestsPerWallSecond: number;
  /** The median of the rounds' simulator / real-code ratios (NaN from a simulator bench without rounds: then the ratio of the two figures). */
  ofCeiling: number;
}

/**
 * Issue 20 replaced issue 5's absolute figures (200,000 simulated req per wall second, a simulated
 * hour in under a minute), which the rule that the simulator runs the binaries' own code cannot
 * reach: the target is the simulator's speed relative to the real code alone, in the same run.
 */
export function simRows(s: SimFigures | undefined, note: string): SummaryRow[] {
  if (s === undefined) return [skipped('sim.requestsPerWallSecond', 'simulator', note)];
  return [
    row('sim.requestsPerWallSecond', 'simulator', 'simulated req per wall second', s.simulatedRequestsPerWallSecond, '/s'),
    row('sim.realCodeOnly', 'simulator', 'same workload, real code alone (no simulator), req per wall second', s.realCodeOnlyRequestsPerWallSecond, '/s'),
    row('sim.ofCeiling', 'simulator', 'simulated req per wall second / real code alone (median of rounds)', Number.isNaN(s.ofCeiling) ? s.simulatedRequestsPerWallSecond / s.realCodeOnlyRequestsPerWallSecond : s.ofCeiling, 'x', { op: '>=', value: 0.7 }),
    row('sim.simulatedToWall', 'simulator', 'simulated/wall time', s.simulatedToWallRatio, 'x'),
    row('sim.checkers', 'simulator', 'checkers passed', s.checkersPassed ? 1 : 0, 'bool', { op: 'holds', text: 'all pass', ok: s.checkersPassed }),
  ];
}

/** One membership row's figures, as sim/membership-bench.ts measures them (a type only: no runtime import of the simulator). */
export type MembershipFigure = MembershipFigures;

/** Issue 14: origin fetches caused by a membership change <= 5% of the requested moved keys; 0 client errors. */
export function membershipRows(figures: readonly MembershipFigure[] | undefined, note: string): SummaryRow[] {
  if (figures === undefined) return [skipped('membership.join.causedFraction', 'membership', note)];
  return figures.flatMap((f) => [
    row(`membership.${f.id}.causedFraction`, 'membership', `${f.label}: origin fetches caused / requested moved keys (${f.causedFetches}/${f.requestedMovedKeys}, sim seeds 1-${f.seeds})`, f.causedFraction, 'ratio', { op: '<=', value: 0.05 }),
    row(`membership.${f.id}.clientErrors`, 'membership', `${f.label}: client errors (edges up or draining)`, f.clientErrors, 'count', { op: '<=', value: 0 }),
  ]);
}

// ---- spread over runs ---------------------------------------------------------------------

export interface SpreadRow {
  key: string;
  bench: string;
  metric: string;
  unit: string;
  values: Array<number | null>;
  min: number;
  max: number;
  /** ±(max − min) / (max + min); see halfRangeSpread. */
  spread: number;
}

/** One row per key present in any run, in the first run's order; values in run order. */
export function spreadRows(runs: ReadonlyArray<readonly SummaryRow[]>): SpreadRow[] {
  const order: SummaryRow[] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    for (const r of run) {
      if (seen.has(r.key) || r.verdict === 'skipped') continue;
      seen.add(r.key);
      order.push(r);
    }
  }
  return order.map((r) => {
    const values = runs.map((run) => run.find((x) => x.key === r.key)?.value ?? null);
    const finite = values.filter((v): v is number => v !== null);
    return {
      key: r.key,
      bench: r.bench,
      metric: r.metric,
      unit: r.unit,
      values,
      min: finite.length === 0 ? NaN : Math.min(...finite),
      max: finite.length === 0 ? NaN : Math.max(...finite),
      spread: halfRangeSpread(finite),
    };
  });
}

export function formatSpreadTable(rows: readonly SpreadRow[], limit = 0.1): string {
  const runs = Math.max(0, ...rows.map((r) => r.values.length));
  return formatTable(
    ['benchmark', 'metric', ...Array.from({ length: runs }, (_, i) => `run ${i + 1}`), 'min', 'max', 'spread', `within ±${(limit * 100).toFixed(0)}%`],
    rows.map((r) => [
      r.bench,
      r.metric,
      ...r.values.map((v) => formatValue(v, r.unit)),
      formatValue(Number.isFinite(r.min) ? r.min : null, r.unit),
      formatValue(Number.isFinite(r.max) ? r.max : null, r.unit),
      Number.isFinite(r.spread) ? `±${(r.spread * 100).toFixed(1)}%` : 'n/a',
      Number.isFinite(r.spread) ? (r.spread <= limit + 1e-9 ? 'yes' : 'NO') : '',
    ]),
    ['left', 'left', ...Array.from({ length: runs }, (): 'right' => 'right'), 'right', 'right', 'right', 'left'],
  );
}
