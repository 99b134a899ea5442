/**
 * Reads an upstream body into memory up to a byte bound. Past the bound it stops buffering and
 * hands back a stream of what was read plus the rest, so an object too large to cache still
 * reaches the client whole without being held in memory.
 */

export type BoundedRead =
  | { kind: 'complete'; body: Buffer }
  | { kind: 'overflow'; body: AsyncIterable<Uint8Array> }
  | { kind: 'error'; error: unknown };

export async function readBounded(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<BoundedRead> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const iterator = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      chunks.push(next.value);
      total += next.value.byteLength;
      if (total > maxBytes) return { kind: 'overflow', body: resume(chunks, iterator) };
    }
  } catch (error) {
    return { kind: 'error', error };
  }
  return { kind: 'complete', body: chunks.length === 1 ? Buffer.from(chunks[0]!) : Buffer.concat(chunks, total) };
}

/** Not a generator, so that return() before the first next() still releases the upstream body. */
function resume(prefix: Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  let i = 0;
  const it: AsyncIterator<Uint8Array> & AsyncIterable<Uint8Array> = {
    async next(): Promise<IteratorResult<Uint8Array>> {
      if (i < prefix.length) return { done: false, value: prefix[i++]! };
      return rest.next();
    },
    async return(): Promise<IteratorResult<Uint8Array>> {
      i = prefix.length;
      await rest.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}
