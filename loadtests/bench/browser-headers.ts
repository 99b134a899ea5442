/**
 * The browser-like case's request header fields: what a desktop browser sends for a subresource
 * (about 15 fields, about 800 bytes), with User-Agent and Cookie drawn from lists of different
 * lengths so consecutive requests carry different values. The wrk script combines them per
 * request (see wrkScript); this file is the one definition of what those requests contain.
 */

/** Fields every request carries, in order (Host is added by wrk). */
export const BROWSER_FIXED_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8'],
  ['Accept-Language', 'en-GB,en-US;q=0.9,en;q=0.8,de;q=0.7'],
  ['Accept-Encoding', 'gzip, deflate, br'],
  ['Referer', 'http://127.0.0.1/articles/2026/12/how-caches-work-and-why-they-sometimes-do-not'],
  ['Sec-Ch-Ua', '"Chromium";v="120", "Google Chrome";v="120", "Not?A_Brand";v="99"'],
  ['Sec-Ch-Ua-Mobile', '?0'],
  ['Sec-Ch-Ua-Platform', '"Windows"'],
  ['Sec-Fetch-Dest', 'document'],
  ['Sec-Fetch-Mode', 'navigate'],
  ['Sec-Fetch-Site', 'same-origin'],
  ['Upgrade-Insecure-Requests', '1'],
  ['Dnt', '1'],
];

const PLATFORMS = ['Windows NT 10.0; Win64; x64', 'Macintosh; Intel Mac OS X 10_15_7', 'X11; Linux x86_64', 'Windows NT 11.0; Win64; x64'];

/** 16 User-Agent values. */
export function browserUserAgents(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 16; i++) {
    out.push(`Mozilla/5.0 (${PLATFORMS[i % PLATFORMS.length]}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${118 + (i % 5)}.0.${6000 + i * 37}.${100 + i} Safari/537.36`);
  }
  return out;
}

/** 61 Cookie values (prime, so with 16 agents there are 976 distinct pairs in turn). */
export function browserCookies(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 61; i++) {
    const session = ((i + 1) * 2654435761).toString(16).padStart(12, '0').slice(-12);
    out.push(`session=${session}${session}; _ga=GA1.2.${1000000 + i * 7919}.${1700000000 + i * 86400}; theme=${i % 2 === 0 ? 'dark' : 'light'}; consent=analytics:${i % 3 === 0 ? 'no' : 'yes'}`);
  }
  return out;
}

/** The k-th request's full field list, Host first (as wrk writes it), for tests and documentation. */
export function browserRequestFields(k: number, host: string): Array<readonly [string, string]> {
  const agents = browserUserAgents();
  const cookies = browserCookies();
  return [['Host', host], ['User-Agent', agents[k % agents.length]!], ...BROWSER_FIXED_FIELDS, ['Cookie', cookies[k % cookies.length]!]];
}
