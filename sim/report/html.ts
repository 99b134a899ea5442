/**
 * A self-contained HTML report with inline SVG charts over virtual time. Every chart draws the
 * very points the summary table is computed from (nothing is sampled away, so a chart's maximum
 * is the table's), one series per region, axes with ticks and units, and every fault interval
 * shaded (instants as dashed lines).
 */
import type { FaultInterval, RunReport, TimelineBucket } from '../run.js';

export interface Series {
  name: string;
  points: Array<[number, number]>;
}

const COLORS = ['#236', '#c60', '#393', '#a3a', '#07a', '#b22', '#665', '#0a8'];
const W = 800;
const H = 180;
/** Room for the y labels on the left and the x labels below. */
const LEFT = 64;
const BOTTOM = 34;

/** About `count` round tick values from 0 to at least `max` (1, 2 or 5 times a power of ten apart). */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v < max + step; v += step) out.push(+v.toPrecision(12));
  return out;
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toPrecision(2);
}

/** The largest y over every series: what the chart's top label says, and what its axis reaches. */
export function seriesMax(series: readonly Series[]): number {
  let max = 0;
  for (const s of series) for (const [, y] of s.points) if (y > max) max = y;
  return max;
}

export function chart(title: string, series: readonly Series[], maxXs: number, faults: readonly FaultInterval[], unit: string): string {
  const maxY = seriesMax(series);
  const yTicks = ticks(maxY);
  const top = yTicks[yTicks.length - 1]! || 1;
  const xTicks = ticks(maxXs, 10);
  const xRight = xTicks[xTicks.length - 1]! || 1;
  const px = (x: number): string => (LEFT + (x / xRight) * (W - LEFT - 10)).toFixed(1);
  const py = (y: number): string => (10 + H - (y / top) * H).toFixed(1);
  const parts: string[] = [];
  for (const f of faults) {
    const title = `<title>${escape(`${f.label} (${(f.startMs / 1000).toFixed(1)}-${(f.endMs / 1000).toFixed(1)} s)`)}</title>`;
    if (f.endMs > f.startMs) {
      const x0 = Number(px(f.startMs / 1000));
      parts.push(`<rect class="fault" x="${x0.toFixed(1)}" y="10" width="${Math.max(1, Number(px(f.endMs / 1000)) - x0).toFixed(1)}" height="${H}" fill="#d33" fill-opacity="0.08">${title}</rect>`);
    } else {
      parts.push(`<line class="fault" x1="${px(f.startMs / 1000)}" x2="${px(f.startMs / 1000)}" y1="10" y2="${10 + H}" stroke="#d33" stroke-dasharray="3,3">${title}</line>`);
    }
  }
  for (const v of yTicks) parts.push(`<line x1="${LEFT}" x2="${W - 10}" y1="${py(v)}" y2="${py(v)}" stroke="#e4e4e4"/><text x="${LEFT - 4}" y="${Number(py(v)) + 4}" font-size="11" text-anchor="end">${fmt(v)}</text>`);
  for (const v of xTicks) parts.push(`<line x1="${px(v)}" x2="${px(v)}" y1="${10 + H}" y2="${14 + H}" stroke="#888"/><text x="${px(v)}" y="${H + 26}" font-size="11" text-anchor="middle">${fmt(v)}</text>`);
  parts.push(`<line x1="${LEFT}" x2="${LEFT}" y1="10" y2="${10 + H}" stroke="#888"/><line x1="${LEFT}" x2="${W - 10}" y1="${10 + H}" y2="${10 + H}" stroke="#888"/>`);
  parts.push(`<text x="${W - 10}" y="${H + BOTTOM - 2}" font-size="11" text-anchor="end">virtual time (s)</text><text x="12" y="${10 + H / 2}" font-size="11" transform="rotate(-90 12 ${10 + H / 2})" text-anchor="middle">${escape(unit)}</text>`);
  const legend: string[] = [];
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    if (s.points.length > 0) {
      const pts = s.points.map(([x, y]) => `${px(x)},${py(y)}`).join(' ');
      parts.push(s.points.length === 1 ? `<circle cx="${px(s.points[0]![0])}" cy="${py(s.points[0]![1])}" r="2" fill="${color}"/>` : `<polyline fill="none" stroke="${color}" stroke-width="1.3" points="${pts}"/>`);
    }
    legend.push(`<span style="color:${color}">&#9632; ${escape(s.name)}</span>`);
  });
  return `<h2>${escape(title)}</h2><div>${legend.join(' ')} &nbsp; max <span class="max">${fmt(maxY)}</span> ${escape(unit)}; shaded: faults in force</div>
<svg class="chart" data-max="${maxY}" width="${W}" height="${H + BOTTOM + 10}" viewBox="0 0 ${W} ${H + BOTTOM + 10}" style="background:#fafafa;border:1px solid #ddd">${parts.join('')}</svg>`;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const perSecond = (timelines: Record<string, TimelineBucket[]>, y: (b: TimelineBucket) => number | undefined): Series[] =>
  Object.entries(timelines).map(([name, buckets]) => ({
    name,
    points: buckets.flatMap((b): Array<[number, number]> => {
      const v = y(b);
      return v === undefined ? [] : [[b.second, v]];
    }),
  }));

/** The purge-lag chart's series: every (purge, edge) apply lag, one series per region. */
export function purgeLagSeries(r: RunReport): Series[] {
  const regions = Object.keys(r.regionTimelines);
  return regions.map((name) => ({ name, points: r.purgeLags.filter((p) => p.region === name).map((p): [number, number] => [p.t / 1000, p.lagMs]) }));
}

export function htmlReport(r: RunReport, replay: string): string {
  const maxX = r.simulatedMs / 1000;
  const hit = perSecond(r.regionTimelines, (b) => (b.requests === 0 ? undefined : b.hits / b.requests));
  const load = perSecond(r.regionTimelines, (b) => b.originFetches);
  const faultRows = r.faults.map((f) => `<tr><td>${(f.t / 1000).toFixed(3)} s</td><td>${escape(f.kind)}</td><td>${escape(f.detail)}</td></tr>`).join('');
  const verdictRows = r.verdicts.map((v) => `<tr><td>${v.name}</td><td>${v.ok ? 'pass' : `<b style="color:#c00">FAIL</b> (${v.violations})`}</td><td>${escape(v.examples.join(' / '))}</td></tr>`).join('');
  const summaryRows = Object.entries(r.summary).map(([k, v]) => `<tr><td>${k}</td><td>${typeof v === 'number' ? +v.toFixed(4) : v}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>cdn-sim ${escape(r.scenario)} seed ${r.seed}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td{border:1px solid #ccc;padding:2px 8px}</style></head><body>
<h1>${escape(r.scenario)} — seed ${r.seed}${r.breaks.length > 0 ? ` — broken: ${escape(r.breaks.join(','))}` : ''}</h1>
<p>replay: <code>${escape(replay)}</code><br>trace-hash: <code>${r.traceHash}</code></p>
<table>${summaryRows}</table><h2>Checkers</h2><table>${verdictRows}</table>
${chart('Hit ratio per second, by region', hit, maxX, r.faultIntervals, 'hit ratio')}
${chart('Origin GETs per second, by region of the fetching edge', load, maxX, r.faultIntervals, 'GET/s')}
${chart('Purge apply lag (accepted → applied by each edge), by apply time and region of the edge', purgeLagSeries(r), maxX, r.faultIntervals, 'ms')}
<h2>Fault timeline</h2><table>${faultRows}</table>${r.crash === undefined ? '' : `<h2>Crash</h2><pre>${escape(r.crash)}</pre>`}</body></html>`;
}
