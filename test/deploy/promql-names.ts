/**
 * The metric names a PromQL expression reads: strings, label matchers, range selectors and
 * grouping clauses removed, then every identifier that is not a function, keyword or
 * aggregation. Enough PromQL for dashboard expressions, not a parser for all of it.
 */
const NOT_METRICS = new Set([
  'sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'histogram_quantile', 'abs', 'ceil', 'floor', 'round',
  'clamp_min', 'clamp_max', 'label_values', 'label_replace', 'vector', 'scalar', 'time', 'absent', 'changes', 'resets',
  'avg_over_time', 'max_over_time', 'min_over_time', 'sum_over_time', 'count_over_time', 'last_over_time',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan',
]);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const rest = stripped.slice(m.index + word.length);
    if (NOT_METRICS.has(word.toLowerCase()) || /^\s*\(/.test(rest)) continue;
    names.add(word);
  }
  return [...names];
}

/**
 * True when the scrape declares `name` (`# TYPE name …`; a labelled metric with no series yet
 * has only that line) or has samples of it, or `name` is the _bucket/_sum/_count series of a
 * declared histogram.
 */
export function exported(scrape: string, name: string): boolean {
  const lines = scrape.split('\n');
  if (lines.some((l) => l.startsWith(`# TYPE ${name} `) || l.startsWith(`${name}{`) || l.startsWith(`${name} `))) return true;
  const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
  return base !== undefined && lines.includes(`# TYPE ${base} histogram`);
}
