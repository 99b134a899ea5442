/**
 * When the edge compresses a stored response itself (`--compress gzip,br`), which coding a
 * client is served, and the ETag of a compressed variant. Pure functions over header values.
 *
 * The edge asks the origin for identity and produces the codings itself, so one origin fetch
 * (one secondary key) serves every Accept-Encoding; the rules below keep it from altering what
 * it must not: content the origin encoded already, `no-transform` (RFC 9111 §5.2.2.6 for
 * responses, §5.2.1.6 for requests; RFC 9110 §7.7), partial or non-200 answers, types that do
 * not compress, and bodies too small to gain or too large for bounded CPU.
 */
import type { ContentCoding } from '../../common/ports.js';
import type { NormalizedEncoding } from './accept-encoding.js';

export interface CompressionSettings {
  /** Codings produced, in no particular order; empty: compression off. */
  codings: readonly ContentCoding[];
  /** Smaller bodies are served as they are: the coding's framing eats most of the gain. */
  minBytes: number;
  /** Larger bodies are served as they are: bounds the CPU one fill can cost. */
  maxBytes: number;
  /** Media types (`type/subtype`, or `type/*`), lower case. */
  types: readonly string[];
  /** Brotli quality 0-11 (see README: 4 costs about what gzip -6 does and is 27-35% smaller). */
  brotliQuality: number;
}

export const COMPRESSION_DEFAULTS = {
  minBytes: 1024,
  maxBytes: 1024 * 1024,
  brotliQuality: 4,
  types: [
    'text/*',
    'application/json',
    'application/javascript',
    'application/xml',
    'application/xhtml+xml',
    'application/rss+xml',
    'application/atom+xml',
    'application/ld+json',
    'application/manifest+json',
    'application/wasm',
    'image/svg+xml',
    'font/ttf',
    'font/otf',
  ],
} as const;

export type CompressionRefusal =
  | 'off'
  | 'status'
  | 'already-encoded'
  | 'no-transform'
  | 'partial'
  | 'type'
  | 'too-small'
  | 'too-large';

export type CompressionPlan = { compress: true; codings: readonly ContentCoding[] } | { compress: false; reason: CompressionRefusal };

export interface ResponseFacts {
  status: number;
  contentEncoding: string | undefined;
  cacheControl: string | undefined;
  contentRange: string | undefined;
  contentType: string | undefined;
  bodyBytes: number;
}

/** Whether the edge produces compressed variants of this stored response, and which. */
export function compressionPlan(r: ResponseFacts, s: CompressionSettings): CompressionPlan {
  if (s.codings.length === 0) return { compress: false, reason: 'off' };
  // 206 and 304 are never stored whole; other statuses are rare and not worth the bytes.
  if (r.status !== 200) return { compress: false, reason: 'status' };
  // RFC 9110 §8.4: a coding the origin applied is part of the representation; never stacked.
  if (r.contentEncoding !== undefined && r.contentEncoding.trim().toLowerCase() !== 'identity' && r.contentEncoding.trim() !== '') {
    return { compress: false, reason: 'already-encoded' };
  }
  if (hasNoTransform(r.cacheControl)) return { compress: false, reason: 'no-transform' };
  if (r.contentRange !== undefined) return { compress: false, reason: 'partial' };
  if (!compressibleType(r.contentType, s.types)) return { compress: false, reason: 'type' };
  if (r.bodyBytes < s.minBytes) return { compress: false, reason: 'too-small' };
  if (r.bodyBytes > s.maxBytes) return { compress: false, reason: 'too-large' };
  return { compress: true, codings: s.codings };
}

/** The media type of a Content-Type value is listed, exactly or by `type/*` (RFC 9110 §8.3.1). */
export function compressibleType(contentType: string | undefined, types: readonly string[]): boolean {
  if (contentType === undefined) return false;
  const semi = contentType.indexOf(';');
  const media = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  const slash = media.indexOf('/');
  if (slash <= 0) return false;
  return types.includes(media) || types.includes(`${media.slice(0, slash)}/*`);
}

/** `no-transform` among Cache-Control's directives (request §5.2.1.6, response §5.2.2.6). */
export function hasNoTransform(cacheControl: string | undefined): boolean {
  if (cacheControl === undefined) return false;
  for (const member of cacheControl.split(',')) {
    const eq = member.indexOf('=');
    if ((eq === -1 ? member : member.slice(0, eq)).trim().toLowerCase() === 'no-transform') return true;
  }
  return false;
}

/**
 * The coding a client is served, given its normalized Accept-Encoding and the codings stored;
 * identity when it asked for none the edge has, or forbade transformation.
 */
export function servedCoding(
  wanted: NormalizedEncoding | undefined,
  /** The stored copies (anything with a `coding`: passed as they are, so a hit allocates nothing). */
  available: ReadonlyArray<{ readonly coding: ContentCoding }>,
  requestCacheControl: string | undefined,
): ContentCoding | 'identity' {
  if (wanted === undefined || wanted === 'identity') return 'identity';
  if (!available.some((v) => v.coding === wanted)) return 'identity';
  return hasNoTransform(requestCacheControl) ? 'identity' : wanted;
}

const SUFFIX: Record<ContentCoding, string> = { gzip: 'gz', br: 'br' };

/**
 * The ETag of a compressed variant: the origin's opaque tag with the coding appended, weak if
 * the origin's was weak. A strong validator names one exact byte sequence, so two codings of
 * the same content must not share one (RFC 9110 §8.8.3, §8.8.3.3 example); If-None-Match and
 * If-Range then compare against the variant's own tag. A malformed tag gives none.
 */
export function variantEtag(etag: string | undefined, coding: ContentCoding): string | undefined {
  if (etag === undefined) return undefined;
  const m = /^(W\/)?"([^"]*)"$/.exec(etag.trim());
  if (m === null) return undefined;
  return `${m[1] ?? ''}"${m[2]}-${SUFFIX[coding]}"`;
}

/** Vary with Accept-Encoding among its members, for a response whose coding the edge chooses. */
export function varyWithAcceptEncoding(vary: string | undefined): string {
  if (vary === undefined || vary.trim() === '') return 'Accept-Encoding';
  const members = vary.split(',').map((m) => m.trim().toLowerCase());
  if (members.includes('accept-encoding') || members.includes('*')) return vary;
  return `${vary}, Accept-Encoding`;
}
