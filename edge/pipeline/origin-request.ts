/** Building the request the edge sends upstream from the one it received. */
import type { HeaderList } from '../../common/http.js';
import { hopByHopNames } from '../policy/hop-by-hop.js';
import type { EdgeRequest } from './types.js';

/** Preconditions and Range the edge answers itself from the full stored response. */
export const ANSWERED_LOCALLY: readonly string[] = ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range'];

/** undici refuses to send Expect; a proxy would have to answer 100-continue itself anyway. */
const NEVER_FORWARDED = ['expect'];

export interface OutboundOptions {
  via: string;
  /** Drop client preconditions and Range so the full response can be stored. */
  forStorage: boolean;
  /** Leave Host out so the transport names the upstream's own authority. */
  dropHost?: boolean;
  extra?: HeaderList;
}

/**
 * Fields the edge itself never copies upstream, by options (index: forStorage + 2 * dropHost);
 * built once, since this runs for every request that leaves the edge. Via and X-Forwarded-For
 * are rewritten below rather than copied.
 */
const REWRITTEN = [...NEVER_FORWARDED, 'via', 'x-forwarded-for'];
const NOT_COPIED: readonly ReadonlySet<string>[] = [
  new Set(REWRITTEN),
  new Set([...REWRITTEN, ...ANSWERED_LOCALLY]),
  new Set([...REWRITTEN, 'host']),
  new Set([...REWRITTEN, ...ANSWERED_LOCALLY, 'host']),
];

export function outboundHeaders(req: EdgeRequest, options: OutboundOptions): HeaderList {
  const connection = req.headers['connection'];
  const hopByHop = hopByHopNames(typeof connection === 'string' ? connection : connection?.join(', '));
  const notCopied = NOT_COPIED[(options.forStorage ? 1 : 0) + (options.dropHost === true ? 2 : 0)]!;
  const out: HeaderList = [];
  for (const name in req.headers) {
    // x-edgeworks-* fields are the edges' own peer protocol; they never travel further.
    if (hopByHop.has(name) || notCopied.has(name) || name.startsWith('x-edgeworks-')) continue;
    const value = req.headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') out.push([name, value]);
    else for (const v of value) out.push([name, v]);
  }
  const via = req.headers['via'];
  out.push(['via', via === undefined ? options.via : `${String(via)}, ${options.via}`]);
  if (req.clientAddress !== undefined) {
    const xff = req.headers['x-forwarded-for'];
    out.push(['x-forwarded-for', xff === undefined ? req.clientAddress : `${String(xff)}, ${req.clientAddress}`]);
  }
  if (options.extra !== undefined) out.push(...options.extra);
  return out;
}
