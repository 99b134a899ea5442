/**
 * The primary cache key (RFC 9111 §2): host and target URI, normalized by RFC 3986 §6.2.2 so
 * equivalent spellings share one entry. The method is not part of it: only GET responses are
 * stored, and HEAD is answered from them.
 */

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Decodes percent-encoded unreserved characters and upper-cases the hex of the rest. */
function normalizePercentEncoding(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/** RFC 3986 §5.2.4 remove_dot_segments. */
function removeDotSegments(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '.') continue;
    if (segment === '..') {
      if (out.length > 1) out.pop();
      continue;
    }
    out.push(segment);
  }
  let result = out.join('/');
  if (/\/\.\.?$/.test(path)) result += '/';
  return result.startsWith('/') ? result : `/${result}`;
}

export function normalizeHost(host: string | undefined): string {
  if (host === undefined || host === '') return '';
  const lower = host.toLowerCase();
  return lower.endsWith(':80') ? lower.slice(0, -3) : lower;
}

export function normalizeTarget(target: string): string {
  // Fast path: most targets need no work, and this runs on every request.
  if (!target.includes('%') && !target.includes('/.')) return target;
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q);
  return removeDotSegments(normalizePercentEncoding(path)) + normalizePercentEncoding(query);
}

export function primaryKey(host: string | undefined, target: string): string {
  return `${normalizeHost(host)}${normalizeTarget(target)}`;
}
