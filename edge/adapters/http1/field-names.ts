/**
 * Request field names lower-cased (RFC 9110 §5.1: names are case-insensitive) without a copy for
 * the names clients send on nearly every request: those come back as one constant string, already
 * internalized, so the name costs no allocation and the header object's property store with it as
 * the key costs no string-table lookup. Any other name is lower-cased as usual.
 */

/** Names browsers, curl, wrk and proxies send on most requests, and the fields the edge itself reads. */
const COMMON_NAMES: readonly string[] = [
  'Accept', 'Accept-Encoding', 'Accept-Language', 'Authorization', 'Cache-Control', 'Connection', 'Content-Length',
  'Content-Type', 'Cookie', 'DNT', 'Dnt', 'Expect', 'Host', 'If-Match', 'If-Modified-Since', 'If-None-Match', 'If-Range',
  'If-Unmodified-Since', 'Origin', 'Pragma', 'Priority', 'Range', 'Referer', 'Sec-CH-UA', 'Sec-Ch-Ua', 'Sec-CH-UA-Mobile',
  'Sec-Ch-Ua-Mobile', 'Sec-CH-UA-Platform', 'Sec-Ch-Ua-Platform', 'Sec-Fetch-Dest', 'Sec-Fetch-Mode', 'Sec-Fetch-Site',
  'Sec-Fetch-User', 'TE', 'Te', 'Transfer-Encoding', 'Upgrade', 'Upgrade-Insecure-Requests', 'User-Agent', 'Via',
  'X-Forwarded-For', 'X-Forwarded-Proto', 'X-Request-Id', 'X-Request-ID',
];

/** Each common name, as sent and already lower-case, to its lower-case constant. */
const LOWER: ReadonlyMap<string, string> = new Map(COMMON_NAMES.flatMap((name) => [[name, name.toLowerCase()], [name.toLowerCase(), name.toLowerCase()]] as const));

/** `name` lower-cased: a constant for a common name in its usual spellings, otherwise a new string. */
export function lowerFieldName(name: string): string {
  return LOWER.get(name) ?? name.toLowerCase();
}
