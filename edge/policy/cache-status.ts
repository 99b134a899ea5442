/**
 * The Cache-Status response field (RFC 9211 §2): one member per cache, appended after the
 * members added by caches nearer the origin.
 */

/** Why the request went forward (§2.2). */
export type ForwardReason = 'bypass' | 'method' | 'uri-miss' | 'vary-miss' | 'miss' | 'request' | 'stale' | 'partial';

export interface CacheStatusParams {
  hit: boolean;
  fwd?: ForwardReason;
  fwdStatus?: number;
  /** Remaining freshness in seconds; negative when stale (§2.4). */
  ttlSeconds?: number;
  stored?: boolean;
  collapsed?: boolean;
  key?: string;
  detail?: string;
}

export function formatCacheStatus(cacheName: string, p: CacheStatusParams): string {
  let out = cacheName;
  if (p.hit) out += '; hit';
  if (p.fwd !== undefined) out += `; fwd=${p.fwd}`;
  if (p.fwdStatus !== undefined) out += `; fwd-status=${p.fwdStatus}`;
  if (p.ttlSeconds !== undefined) out += `; ttl=${p.ttlSeconds}`;
  if (p.stored === true) out += '; stored';
  if (p.collapsed === true) out += '; collapsed';
  if (p.detail !== undefined) out += `; detail=${/^[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*$/.test(p.detail) ? p.detail : JSON.stringify(p.detail)}`;
  return out;
}

/** Appends our member to whatever an upstream cache said. */
export function appendCacheStatus(upstream: string | undefined, member: string): string {
  return upstream === undefined || upstream === '' ? member : `${upstream}, ${member}`;
}
