/**
 * Request field names lower-cased (RFC 9110 §5.1: names are case-insensitive) without a copy for
 * the names clients send on nearly every request: those come back as one constant string, already
 * internalized, so the name costs no allocation and the header object's property store with it as
 * the key costs no string-table lookup. Any other name is sliced and lower-cased as usual.
 */

/** Names browsers, curl, wrk and proxies send on most requests, and the fields the edge itself reads. Only a-z and '-'. */
const COMMON_NAMES: readonly string[] = [
  'accept', 'accept-encoding', 'accept-language', 'authorization', 'cache-control', 'connection', 'content-length',
  'content-type', 'cookie', 'dnt', 'expect', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range',
  'if-unmodified-since', 'origin', 'pragma', 'priority', 'range', 'referer', 'sec-ch-ua', 'sec-ch-ua-mobile',
  'sec-ch-ua-platform', 'sec-fetch-dest', 'sec-fetch-mode', 'sec-fetch-site', 'sec-fetch-user', 'te',
  'transfer-encoding', 'upgrade', 'upgrade-insecure-requests', 'user-agent', 'via', 'x-forwarded-for',
  'x-forwarded-proto', 'x-request-id',
];

/** COMMON_NAMES by length: a name is compared only with the few of its own length. */
const BY_LENGTH: ReadonlyArray<readonly string[] | undefined> = (() => {
  const out: string[][] = [];
  for (const name of COMMON_NAMES) (out[name.length] ??= []).push(name);
  return out;
})();

/**
 * The name `text[start, end)` lower-cased. The caller has checked that every byte of it is a tchar
 * (RFC 9110 §5.6.2).
 */
export function fieldNameAt(text: string, start: number, end: number): string {
  return commonFieldNameAt(text, start, end) ?? text.slice(start, end).toLowerCase();
}

/**
 * The constant common name `text[start, end)` spells, in any case; undefined when it is none of
 * them. Among tchars, setting bit 0x20 lower-cases a letter and changes no '-' or letter into
 * anything else, so comparing with it matches a common name in any spelling, and only it.
 */
export function commonFieldNameAt(text: string, start: number, end: number): string | undefined {
  const candidates = BY_LENGTH[end - start];
  if (candidates === undefined) return undefined;
  const length = end - start;
  for (let c = 0; c < candidates.length; c++) {
    const name = candidates[c]!;
    let i = 0;
    while (i < length && (text.charCodeAt(start + i) | 0x20) === name.charCodeAt(i)) i++;
    if (i === length) return name;
  }
  return undefined;
}
