/**
 * Between the simulated network's wire records and the records the real code reads and writes:
 * header lists to header objects (combined as a server layer combines them), answer fields to
 * wire pairs, bodies collected into chunks.
 */
import type { HeaderList, RequestHeaders } from '../../common/http.js';
import { headerObject } from '../../edge/pipeline/incoming-request.js';
import type { EdgeResponse } from '../../edge/pipeline/types.js';

/**
 * A request's header object as a server would hand it over: names lower-cased as the HTTP/1.1
 * parser does, repeated fields combined as node:http and the edge's own layer combine them.
 */
export function requestHeadersOf(list: HeaderList): RequestHeaders {
  // The real code sends lower-case names; copy the list only when one is not (every exchange
  // passes here, and the copy was a tuple per field).
  for (const [name] of list) {
    if (name !== name.toLowerCase()) return headerObject(list.map(([n, value]) => [n.toLowerCase(), value] as const));
  }
  return headerObject(list);
}

/** An edge's `[name, value, ...]` answer fields as the wire's pairs. */
export function headerPairsOf(flat: readonly string[]): HeaderList {
  const pairs: HeaderList = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs;
}

export interface Collected {
  chunks: Uint8Array[];
  first: Uint8Array | undefined;
  bytes: number;
  truncated: boolean;
}

/** Reads a body to its end; a body that fails part way is `truncated` with what arrived. */
export async function collect(body: EdgeResponse['body'] | AsyncIterable<Uint8Array>): Promise<Collected> {
  if (body === undefined) return { chunks: [], first: undefined, bytes: 0, truncated: false };
  if (Buffer.isBuffer(body)) return { chunks: [body], first: body, bytes: body.length, truncated: false };
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      bytes += chunk.byteLength;
    }
  } catch {
    return { chunks, first: chunks[0], bytes, truncated: true };
  }
  return { chunks, first: chunks[0], bytes, truncated: false };
}

/** A whole request body as the stream a server layer would hand over. */
export async function* once(body: Uint8Array): AsyncIterable<Uint8Array> {
  yield body;
}
