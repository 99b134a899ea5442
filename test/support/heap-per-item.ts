/**
 * Heap kept per item: what `keep` leaves reachable, measured with full collections before and
 * after, divided by the count. For tests that a long-lived structure keeps nothing but its own
 * data (a cache key or a header value sliced from a request head must not keep that head alive).
 * The figures are bytes of V8 heap, not time, so the machine's speed does not change them.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A string of `chars` characters decoded from bytes, as the HTTP/1.1 parser decodes a head (a sequential string, not a concatenation). */
export function decodedHead(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** Runs `keep(i)` for i in [0, count) and answers the heap still in use afterwards per item, in bytes. */
export function heapPerItem(count: number, keep: (i: number) => void): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) keep(i);
  gc();
  return (process.memoryUsage().heapUsed - before) / count;
}
