/**
 * The request field names clients send on most requests and the edge itself reads, in the order a
 * header object holds them (incoming-request.ts: canonical field order). The own HTTP/1.1 parser
 * also matches names against this list (adapters/http1/field-names.ts), so its index for a name is
 * the name's place here. Only a-z and '-'.
 */
export const COMMON_NAMES: readonly string[] = [
  // Host first, where every client puts it (an origin that reads the forwarded fields in order sees it first).
  'host', 'accept', 'accept-encoding', 'accept-language', 'authorization', 'cache-control', 'connection', 'content-length',
  'content-type', 'cookie', 'dnt', 'expect', 'if-match', 'if-modified-since', 'if-none-match', 'if-range',
  'if-unmodified-since', 'origin', 'pragma', 'priority', 'range', 'referer', 'sec-ch-ua', 'sec-ch-ua-mobile',
  'sec-ch-ua-platform', 'sec-fetch-dest', 'sec-fetch-mode', 'sec-fetch-site', 'sec-fetch-user', 'te',
  'transfer-encoding', 'upgrade', 'upgrade-insecure-requests', 'user-agent', 'via', 'x-forwarded-for',
  'x-forwarded-proto', 'x-request-id',
];

/** The rank of every name that is not in COMMON_NAMES: after all of them. */
export const OTHER_NAME_RANK = COMMON_NAMES.length;

const RANK_OF_NAME: ReadonlyMap<string, number> = new Map(COMMON_NAMES.map((name, i) => [name, i]));

/** A lower-cased field name's place in canonical field order: its index in COMMON_NAMES, or OTHER_NAME_RANK. */
export function fieldRank(name: string): number {
  return RANK_OF_NAME.get(name) ?? OTHER_NAME_RANK;
}
