/**
 * Reading the Cache-Status response field (RFC 9211 §2): a list of members, nearest-the-origin
 * first, each a cache name with parameters (`hit`, `fwd=uri-miss`, `ttl=298`, `detail=peer-e2`).
 */

export interface CacheStatusMember {
  cache: string;
  /** Parameter name → value; a bare parameter such as `hit` or `stored` is `true`. */
  params: Record<string, string | true>;
}

/** Splits on `sep` outside double-quoted strings (RFC 8941 sf-string, with backslash escapes). */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (quoted && ch === '\\' && i + 1 < text.length) {
      current += ch + text.charAt(i + 1);
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.charAt(0) === '"' && value.charAt(value.length - 1) === '"') {
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return value;
}

export function parseCacheStatus(value: string | undefined): CacheStatusMember[] {
  if (value === undefined || value.trim() === '') return [];
  const members: CacheStatusMember[] = [];
  for (const rawMember of splitOutsideQuotes(value, ',')) {
    const pieces = splitOutsideQuotes(rawMember, ';').map((p) => p.trim());
    const cache = unquote(pieces[0] ?? '');
    if (cache === '') continue;
    const params: Record<string, string | true> = {};
    for (const piece of pieces.slice(1)) {
      if (piece === '') continue;
      const eq = piece.indexOf('=');
      if (eq === -1) params[piece.toLowerCase()] = true;
      else params[piece.slice(0, eq).trim().toLowerCase()] = unquote(piece.slice(eq + 1).trim());
    }
    members.push({ cache, params });
  }
  return members;
}

/** The region answered from cache: some member (the owner, a hot copy, or the front edge) says `hit`. */
export function isRegionHit(members: readonly CacheStatusMember[]): boolean {
  return members.some((m) => m.params['hit'] === true);
}

/** Some member served a stored response past its freshness because the origin failed (RFC 5861 §4). */
export function isStaleIfError(members: readonly CacheStatusMember[]): boolean {
  return members.some((m) => m.params['detail'] === 'stale-if-error');
}

/** Some member served stale content of any kind: stale-if-error, stale-while-revalidate, or a negative ttl. */
export function isStale(members: readonly CacheStatusMember[]): boolean {
  return members.some((m) => {
    const detail = m.params['detail'];
    const ttl = m.params['ttl'];
    return detail === 'stale-if-error' || detail === 'stale-while-revalidate' || (typeof ttl === 'string' && Number(ttl) < 0);
  });
}
