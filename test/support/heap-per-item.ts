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
// Off again at once: left on, every later context and worker in this test process gets a `gc`
// global, and V8's flag hash changes, so Node's built-in code cache is rejected from then on
// (worker start-up ~115 -> 130-150 ms, which the simulator's worker tests pay).
setFlagsFromString('--no-expose-gc');

/** `text` decoded from bytes, as the HTTP/1.1 parser decodes a head (a sequential string, not a concatenation). */
function decodedHead(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** Runs `keep(i)` for i in [0, count) and answers the heap still in use afterwards per item, in bytes. */
function heapPerItem(count: number, keep: (i: number) => void): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) keep(i);
  gc();
  return (process.memoryUsage().heapUsed - before) / count;
}

/**
 * What keeping views of large strings costs per item over keeping plain ones: `keep` runs for
 * `count` texts each sliced from a decoded string `parentChars` characters longer (as a parser
 * slices a value from the head it decoded), then for `count` other texts as plain strings. The
 * structure's own cost per item is paid in both and cancels out, so a change in what it stores
 * per item does not move the figure; only what the views keep alive is left.
 */
export function viewCostPerItem(count: number, parentChars: number, textOf: (i: number) => string, keep: (text: string) => void): number {
  const padding = 'p'.repeat(parentChars);
  const viaViews = heapPerItem(count, (i) => {
    const text = textOf(i);
    keep(decodedHead(`${text}\r\n${padding}`).slice(0, text.length));
  });
  const plain = heapPerItem(count, (i) => keep(decodedHead(textOf(count + i))));
  return viaViews - plain;
}
