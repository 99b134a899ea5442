/**
 * The request target (RFC 9112 §3.2) read once, into the one spelling the edge both keys and
 * forwards. Only what RFC 3986 §6.2.2 says has one meaning is normalized: the case of
 * percent-encoding hex digits, percent-encoded unreserved characters, literal dot segments.
 * What origins read in different ways (a backslash some parsers take for '/', an encoded dot
 * segment some decode and some do not, a fragment, broken percent-encoding, control characters)
 * has no single meaning and is refused: a cache that guessed would key one URL and fetch another.
 * Reserved characters stay encoded (`%2F` is not `/`), in the key and on the wire.
 */

/** Why a target was refused; the edge answers 400 with it. */
export type TargetRejection =
  | 'backslash'
  | 'control-character'
  | 'non-ascii'
  | 'fragment'
  | 'malformed-percent-encoding'
  | 'encoded-dot-segment'
  | 'not-a-path'
  | 'unsupported-scheme'
  | 'invalid-authority';

export type ParsedTarget =
  /** `target`: the canonical path and query, what is keyed and forwarded. */
  | { form: 'origin'; target: string }
  /** RFC 9112 §3.2.2: `authority` (canonical, see canonicalHost) becomes the Host. */
  | { form: 'absolute'; authority: string; target: string }
  /** RFC 9112 §3.2.4: `*`, for a server-wide OPTIONS. */
  | { form: 'asterisk' }
  | { form: 'invalid'; reason: TargetRejection };

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * Anything a target needs work for: a byte outside visible ASCII, '%', '\\', '#' (one negated
 * class: every visible ASCII character but those three), or a segment starting with '.'. A target
 * without any is already canonical (most are: this is the fast path, run on every request; one
 * class measured faster than a class per kind or a charCodeAt loop).
 */
const NEEDS_WORK = /[^\x21\x22\x24\x26-\x5b\x5d-\x7e]|\/\./;

/** The canonical origin-form target (path and query), or why there is none. */
export function canonicalTarget(raw: string): string | { reason: TargetRejection } {
  if (raw.charCodeAt(0) !== 0x2f /* / */) return { reason: 'not-a-path' };
  if (!NEEDS_WORK.test(raw)) return raw;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x21 || c === 0x7f) return { reason: 'control-character' };
    if (c > 0x7f) return { reason: 'non-ascii' };
    if (c === 0x5c /* \ */) return { reason: 'backslash' };
    if (c === 0x23 /* # */) return { reason: 'fragment' };
  }
  const q = raw.indexOf('?');
  const rawPath = q === -1 ? raw : raw.slice(0, q);
  const segments = rawPath.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (!segment.includes('%')) continue;
    const normalized = normalizePercentEncoding(segment);
    if (normalized === undefined) return { reason: 'malformed-percent-encoding' };
    // '%2E' is '.' by §6.2.2.2, but origins disagree on whether to decode it before resolving
    // dot segments (§6.2.2.3): `/a/%2e%2e/b` is `/b` to some and a file named '..' to others.
    if (normalized === '.' || normalized === '..') return { reason: 'encoded-dot-segment' };
    segments[i] = normalized;
  }
  let query = '';
  if (q !== -1) {
    const normalized = normalizePercentEncoding(raw.slice(q));
    if (normalized === undefined) return { reason: 'malformed-percent-encoding' };
    query = normalized;
  }
  return removeDotSegments(segments) + query;
}

/**
 * Decodes percent-encoded unreserved characters and upper-cases the hex of the rest (§6.2.2.1,
 * §6.2.2.2); undefined when a '%' is not followed by two hex digits.
 */
function normalizePercentEncoding(text: string): string | undefined {
  let out = '';
  let from = 0;
  for (let i = text.indexOf('%'); i !== -1; i = text.indexOf('%', i + 3)) {
    const hex = text.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    const char = String.fromCharCode(parseInt(hex, 16));
    out += text.slice(from, i) + (UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`);
    from = i + 3;
  }
  return out + text.slice(from);
}

/** RFC 3986 §5.2.4 remove_dot_segments, over the segments of an absolute path. */
function removeDotSegments(segments: readonly string[]): string {
  const out: string[] = [];
  for (const segment of segments) {
    if (segment === '.') continue;
    if (segment === '..') {
      if (out.length > 1) out.pop();
      continue;
    }
    out.push(segment);
  }
  let result = out.join('/');
  const last = segments[segments.length - 1];
  if ((last === '.' || last === '..') && !result.endsWith('/')) result += '/';
  return result.startsWith('/') ? result : `/${result}`;
}

/**
 * A Host value (RFC 9110 §7.2: uri-host [":" port], nothing else) in canonical form: lower case,
 * no default port, no empty port. Undefined for a path, userinfo, whitespace, a port out of
 * range, or a reg-name beyond letters, digits, '-', '.', '_' and '~'.
 */
export function canonicalHost(value: string): string | undefined {
  // Fast path: already lower case with no port, or a non-default one in range.
  if (CANONICAL_HOST.test(value)) {
    const colon = value.indexOf(':');
    if (colon === -1) return value;
    const port = Number(value.slice(colon + 1));
    if (port !== 80 && port <= 65535) return value;
  }
  const m = HOST.exec(value);
  if (m === null) return undefined;
  const host = m[1]!.toLowerCase();
  const port = m[2];
  if (port === undefined || port === '' || Number(port) === 80) return host;
  if (Number(port) > 65535) return undefined;
  return `${host}:${Number(port)}`;
}

const CANONICAL_HOST = /^[a-z0-9\-._~]+(?::[1-9][0-9]{0,4})?$/;
const HOST = /^([A-Za-z0-9\-._~]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{0,5}))?$/;

const ABSOLUTE = /^(https?):\/\/([^/?#]*)(.*)$/is;

/** Which of the four forms a target takes (RFC 9112 §3.2), and its canonical spelling. */
export function parseRequestTarget(raw: string): ParsedTarget {
  if (raw.charCodeAt(0) === 0x2f /* / */) {
    const target = canonicalTarget(raw);
    return typeof target === 'string' ? { form: 'origin', target } : { form: 'invalid', reason: target.reason };
  }
  if (raw === '*') return { form: 'asterisk' };
  const m = ABSOLUTE.exec(raw);
  if (m === null) return { form: 'invalid', reason: /^[A-Za-z][A-Za-z0-9+\-.]*:/.test(raw) ? 'unsupported-scheme' : 'not-a-path' };
  const authority = canonicalHost(m[2]!);
  if (authority === undefined) return { form: 'invalid', reason: 'invalid-authority' };
  const rest = m[3]!;
  const target = canonicalTarget(rest === '' || rest.startsWith('?') ? `/${rest}` : rest);
  return typeof target === 'string' ? { form: 'absolute', authority, target } : { form: 'invalid', reason: target.reason };
}
