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

export function outboundHeaders(req: EdgeRequest, options: OutboundOptions): HeaderList {
  const connection = req.headers['connection'];
  const skip = hopByHopNames(typeof connection === 'string' ? connection : connection?.join(', '));
  for (const name of NEVER_FORWARDED) skip.add(name);
  skip.add('via');
  if (options.dropHost === true) skip.add('host');
  skip.add('x-forwarded-for');
  if (options.forStorage) for (const name of ANSWERED_LOCALLY) skip.add(name);
  const out: HeaderList = [];
  for (const name in req.headers) {
    // x-edgeworks-* fields are the edges' own peer protocol; they never travel further.
    if (skip.has(name) || name.startsWith('x-edgeworks-')) continue;
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
