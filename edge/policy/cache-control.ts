/**
 * Cache-Control (RFC 9111 §5.2) and CDN-Cache-Control (RFC 9213) parsing into one shape.
 */

/** The largest delta-seconds a cache must represent; larger values are clamped (§1.2.2). */
export const MAX_DELTA_SECONDS = 2_147_483_648;

export interface Directives {
  /** Seconds; 0 when the value was invalid, so such a response counts as stale (§4.2.1). */
  maxAge?: number;
  sMaxAge?: number;
  noStore: boolean;
  /** Unqualified no-cache: every reuse needs validation (§5.2.2.4). */
  noCache: boolean;
  /** Qualified no-cache="a, b": those fields must not be reused without validation. */
  noCacheFields: string[];
  /** Unqualified private: a shared cache must not store the response (§5.2.2.7). */
  private: boolean;
  /** Qualified private="a": a shared cache must not store those fields. */
  privateFields: string[];
  public: boolean;
  mustRevalidate: boolean;
  proxyRevalidate: boolean;
  mustUnderstand: boolean;
  immutable: boolean;
  /** RFC 5861 §3; seconds. */
  staleWhileRevalidate?: number;
  /** RFC 5861 §4; seconds (also a request directive). */
  staleIfError?: number;
  // Request-only directives (§5.2.1).
  /** Seconds; Infinity when present without a value. */
  maxStale?: number;
  minFresh?: number;
  onlyIfCached: boolean;
}

export function emptyDirectives(): Directives {
  return {
    noStore: false,
    noCache: false,
    noCacheFields: [],
    private: false,
    privateFields: [],
    public: false,
    mustRevalidate: false,
    proxyRevalidate: false,
    mustUnderstand: false,
    immutable: false,
    onlyIfCached: false,
  };
}

/**
 * Parses delta-seconds (§1.2.2): digits only. A quoted value is accepted, as recipients
 * should (§5.2). Returns undefined for anything else.
 */
export function parseDeltaSeconds(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^[0-9]+$/.test(raw)) return undefined;
  const value = Number(raw);
  return value > MAX_DELTA_SECONDS ? MAX_DELTA_SECONDS : value;
}

interface RawDirective {
  name: string;
  value: string | undefined;
}

/** Splits `a, b=1, c="x, y"` into directives, honouring quoted strings. */
function splitDirectives(header: string): RawDirective[] {
  const out: RawDirective[] = [];
  let i = 0;
  const n = header.length;
  while (i < n) {
    while (i < n && (header[i] === ',' || header[i] === ' ' || header[i] === '\t')) i++;
    if (i >= n) break;
    let nameEnd = i;
    while (nameEnd < n && header[nameEnd] !== '=' && header[nameEnd] !== ',') nameEnd++;
    const name = header.slice(i, nameEnd).trim().toLowerCase();
    i = nameEnd;
    let value: string | undefined;
    if (header[i] === '=') {
      i++;
      while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
      if (header[i] === '"') {
        i++;
        let text = '';
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          text += header[i];
          i++;
        }
        i++; // closing quote
        value = text;
        while (i < n && header[i] !== ',') i++;
      } else {
        let end = i;
        while (end < n && header[end] !== ',') end++;
        value = header.slice(i, end).trim();
        i = end;
      }
    }
    if (name !== '') out.push({ name, value });
  }
  return out;
}

function fieldList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((f) => f.trim().toLowerCase())
    .filter((f) => f !== '');
}

/**
 * Parses a Cache-Control field value. Where a directive with a value repeats, the first
 * occurrence wins (§4.2.1 allows that or treating the response as stale).
 */
export function parseCacheControl(header: string | undefined): Directives {
  const d = emptyDirectives();
  if (header === undefined) return d;
  const seen = new Set<string>();
  for (const { name, value } of splitDirectives(header)) {
    const first = !seen.has(name);
    seen.add(name);
    applyDirective(d, name, value, first);
  }
  return d;
}

function applyDirective(d: Directives, name: string, value: string | undefined, first: boolean): void {
  switch (name) {
    case 'max-age':
      if (first) d.maxAge = parseDeltaSeconds(value) ?? 0;
      return;
    case 's-maxage':
      if (first) d.sMaxAge = parseDeltaSeconds(value) ?? 0;
      return;
    case 'stale-while-revalidate':
      if (first) d.staleWhileRevalidate = parseDeltaSeconds(value);
      return;
    case 'stale-if-error':
      if (first) d.staleIfError = parseDeltaSeconds(value);
      return;
    case 'max-stale':
      if (first) d.maxStale = value === undefined ? Infinity : parseDeltaSeconds(value);
      return;
    case 'min-fresh':
      if (first) d.minFresh = parseDeltaSeconds(value);
      return;
    case 'no-store':
      d.noStore = true;
      return;
    case 'no-cache':
      if (value === undefined) d.noCache = true;
      else d.noCacheFields.push(...fieldList(value));
      return;
    case 'private':
      if (value === undefined) d.private = true;
      else d.privateFields.push(...fieldList(value));
      return;
    case 'public':
      d.public = true;
      return;
    case 'must-revalidate':
      d.mustRevalidate = true;
      return;
    case 'proxy-revalidate':
      d.proxyRevalidate = true;
      return;
    case 'must-understand':
      d.mustUnderstand = true;
      return;
    case 'immutable':
      d.immutable = true;
      return;
    case 'only-if-cached':
      d.onlyIfCached = true;
      return;
    default:
      return; // Unknown extensions are ignored (§5.2.3).
  }
}
