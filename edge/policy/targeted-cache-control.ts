/**
 * CDN-Cache-Control (RFC 9213). Its value is a Structured Fields Dictionary (RFC 8941 §3.2);
 * a field that fails to parse, or is empty, is ignored as if absent (RFC 9213 §2.1).
 */
import { MAX_DELTA_SECONDS, emptyDirectives, type Directives } from './cache-control.js';

type BareItem = number | string | boolean | { token: string };

/** Parses the subset of an SF Dictionary that cache directives use; undefined when invalid. */
export function parseSfDictionary(input: string): Map<string, BareItem> | undefined {
  const s = trimSpaces(input);
  const out = new Map<string, BareItem>();
  let i = 0;
  const n = s.length;
  if (n === 0) return undefined;
  while (i < n) {
    const keyMatch = /^[a-z*][a-z0-9_\-.*]*/.exec(s.slice(i));
    if (keyMatch === null) return undefined;
    const key = keyMatch[0];
    i += key.length;
    let value: BareItem = true;
    if (s[i] === '=') {
      i++;
      const item = parseBareItem(s, i);
      if (item === undefined) return undefined;
      value = item.value;
      i = item.end;
    }
    // Parameters are allowed by the grammar and carry nothing a cache uses here.
    while (s[i] === ';') {
      i++;
      while (s[i] === ' ') i++;
      const p = /^[a-z*][a-z0-9_\-.*]*/.exec(s.slice(i));
      if (p === null) return undefined;
      i += p[0].length;
      if (s[i] === '=') {
        const item = parseBareItem(s, i + 1);
        if (item === undefined) return undefined;
        i = item.end;
      }
    }
    out.set(key, value);
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i >= n) break;
    if (s[i] !== ',') return undefined;
    i++;
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i >= n) return undefined; // trailing comma
  }
  return out;
}

/**
 * Leading and trailing SP and HTAB removed (RFC 8941 §4.2), by hand: the regex
 * `/^[ \t]+|[ \t]+$/g` it replaces tried every space of a long run against the end of the input,
 * quadratic over a run of spaces followed by anything else (32 KiB took ~1.7 s; found by the parser
 * property test).
 */
function trimSpaces(input: string): string {
  let from = 0;
  let to = input.length;
  while (from < to && (input[from] === ' ' || input[from] === '\t')) from++;
  while (to > from && (input[to - 1] === ' ' || input[to - 1] === '\t')) to--;
  return input.slice(from, to);
}

function parseBareItem(s: string, start: number): { value: BareItem; end: number } | undefined {
  const rest = s.slice(start);
  const num = /^-?[0-9]{1,15}(\.[0-9]{1,3})?/.exec(rest);
  if (num !== null) {
    if (num[1] === undefined && num[0].replace('-', '').length > 15) return undefined;
    return { value: Number(num[0]), end: start + num[0].length };
  }
  if (rest[0] === '"') {
    let text = '';
    let i = 1;
    while (i < rest.length && rest[i] !== '"') {
      const c = rest[i]!;
      if (c === '\\') {
        const next = rest[i + 1];
        if (next !== '"' && next !== '\\') return undefined;
        text += next;
        i += 2;
        continue;
      }
      const code = c.charCodeAt(0);
      if (code < 0x20 || code > 0x7e) return undefined;
      text += c;
      i++;
    }
    if (rest[i] !== '"') return undefined;
    return { value: text, end: start + i + 1 };
  }
  if (rest.startsWith('?1')) return { value: true, end: start + 2 };
  if (rest.startsWith('?0')) return { value: false, end: start + 2 };
  const token = /^[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*/.exec(rest);
  if (token !== null) return { value: { token: token[0] }, end: start + token[0].length };
  return undefined;
}

function seconds(item: BareItem | undefined): number | undefined {
  if (typeof item !== 'number' || !Number.isInteger(item) || item < 0) return undefined;
  return Math.min(item, MAX_DELTA_SECONDS);
}

function fields(item: BareItem | undefined): string[] {
  const text = typeof item === 'string' ? item : typeof item === 'object' ? item.token : '';
  return text
    .split(',')
    .map((f) => f.trim().toLowerCase())
    .filter((f) => f !== '');
}

/** Directives whose value must be an Integer, and those whose value must be a Boolean (RFC 9213 §2.1). */
const INTEGER_DIRECTIVES = ['max-age', 's-maxage', 'stale-while-revalidate', 'stale-if-error'];
const BOOLEAN_DIRECTIVES = ['no-store', 'public', 'must-revalidate', 'proxy-revalidate', 'must-understand', 'immutable'];

/** True when a known directive carries a value of a type RFC 9213 §2.1 does not allow for it. */
function hasWrongType(dict: Map<string, BareItem>): boolean {
  for (const name of INTEGER_DIRECTIVES) {
    const item = dict.get(name);
    if (item !== undefined && (typeof item !== 'number' || !Number.isInteger(item))) return true;
  }
  for (const name of BOOLEAN_DIRECTIVES) {
    const item = dict.get(name);
    if (item !== undefined && typeof item !== 'boolean') return true;
  }
  return false;
}

/**
 * Directives from a CDN-Cache-Control value, or undefined when the field must be ignored
 * (absent, empty, not a valid dictionary, or a known directive with a value of the wrong type,
 * such as `max-age="10000"`: implementations must not coerce it, RFC 9213 §2.1), in which case
 * the cache falls back to Cache-Control and Expires.
 */
export function parseTargetedCacheControl(header: string | undefined): Directives | undefined {
  if (header === undefined) return undefined;
  const dict = parseSfDictionary(header);
  if (dict === undefined || dict.size === 0 || hasWrongType(dict)) return undefined;
  const d = emptyDirectives();
  const flag = (name: string) => dict.get(name) === true;
  d.maxAge = dict.has('max-age') ? (seconds(dict.get('max-age')) ?? 0) : undefined;
  d.sMaxAge = dict.has('s-maxage') ? (seconds(dict.get('s-maxage')) ?? 0) : undefined;
  d.staleWhileRevalidate = seconds(dict.get('stale-while-revalidate'));
  d.staleIfError = seconds(dict.get('stale-if-error'));
  d.noStore = flag('no-store');
  d.public = flag('public');
  d.mustRevalidate = flag('must-revalidate');
  d.proxyRevalidate = flag('proxy-revalidate');
  d.mustUnderstand = flag('must-understand');
  d.immutable = flag('immutable');
  const noCache = dict.get('no-cache');
  if (noCache === true) d.noCache = true;
  else if (noCache !== undefined && noCache !== false) d.noCacheFields = fields(noCache);
  const priv = dict.get('private');
  if (priv === true) d.private = true;
  else if (priv !== undefined && priv !== false) d.privateFields = fields(priv);
  return d;
}
