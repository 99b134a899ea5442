/** A self-contained HTML report with inline SVG plots over virtual time. */
import type { RunReport } from '../run.js';

function polyline(points: Array<[number, number]>, w: number, h: number, maxX: number, maxY: number, color: string): string {
  if (points.length === 0) return '';
  const pts = points.map(([x, y]) => `${((x / Math.max(1, maxX)) * w).toFixed(1)},${(h - (y / Math.max(1e-9, maxY)) * h).toFixed(1)}`).join(' ');
  return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts}"/>`;
}

function plot(title: string, points: Array<[number, number]>, maxX: number, faults: RunReport['faults'], unit: string): string {
  const w = 800;
  const h = 160;
  const maxY = Math.max(1e-9, ...points.map(([, y]) => y));
  const marks = faults
    .map((f) => {
      const x = ((f.t / 1000 / Math.max(1, maxX)) * w).toFixed(1);
      return `<line x1="${x}" x2="${x}" y1="0" y2="${h}" stroke="#d33" stroke-dasharray="3,3"><title>${escape(`${f.kind} ${f.detail}`)}</title></line>`;
    })
    .join('');
  return `<h2>${escape(title)}</h2><svg width="${w}" height="${h + 20}" viewBox="0 0 ${w} ${h + 20}" style="background:#fafafa;border:1px solid #ddd">${marks}${polyline(points, w, h, maxX, maxY, '#236')}<text x="4" y="12" font-size="11">max ${maxY.toFixed(2)} ${escape(unit)}</text><text x="4" y="${h + 15}" font-size="11">0 s</text><text x="${w - 60}" y="${h + 15}" font-size="11">${maxX.toFixed(0)} s</text></svg>`;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function htmlReport(r: RunReport, replay: string): string {
  const maxX = r.simulatedMs / 1000;
  const hit = r.timeline.map((b): [number, number] => [b.second, b.requests === 0 ? 0 : b.hits / b.requests]);
  const load = r.timeline.map((b): [number, number] => [b.second, b.originFetches]);
  const lag = r.purgeLags.map((p): [number, number] => [p.t / 1000, p.lagMs]);
  const faultRows = r.faults.map((f) => `<tr><td>${(f.t / 1000).toFixed(3)} s</td><td>${escape(f.kind)}</td><td>${escape(f.detail)}</td></tr>`).join('');
  const verdictRows = r.verdicts.map((v) => `<tr><td>${v.name}</td><td>${v.ok ? 'pass' : `<b style="color:#c00">FAIL</b> (${v.violations})`}</td><td>${escape(v.examples.join(' / '))}</td></tr>`).join('');
  const summaryRows = Object.entries(r.summary).map(([k, v]) => `<tr><td>${k}</td><td>${typeof v === 'number' ? +v.toFixed(4) : v}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>cdn-sim ${escape(r.scenario)} seed ${r.seed}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td{border:1px solid #ccc;padding:2px 8px}</style></head><body>
<h1>${escape(r.scenario)} — seed ${r.seed}${r.breaks.length > 0 ? ` — broken: ${escape(r.breaks.join(','))}` : ''}</h1>
<p>replay: <code>${escape(replay)}</code><br>trace-hash: <code>${r.traceHash}</code></p>
<table>${summaryRows}</table><h2>Checkers</h2><table>${verdictRows}</table>
${plot('Hit ratio per second', hit, maxX, r.faults, '')}
${plot('Origin GETs per second', load, maxX, r.faults, 'req/s')}
${plot('Purge lag (accept → receipt complete), by completion time', lag, maxX, r.faults, 'ms')}
<h2>Fault timeline</h2><table>${faultRows}</table>${r.crash === undefined ? '' : `<h2>Crash</h2><pre>${escape(r.crash)}</pre>`}</body></html>`;
}
