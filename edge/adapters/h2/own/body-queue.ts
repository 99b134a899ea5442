/**
 * A request body as the pipeline reads it (an async iterable of chunks), filled by the connection
 * from DATA frames. Each chunk the reader takes is reported (`consumed`) so the connection can
 * open the flow-control windows by that much: a client can have at most one window of unread
 * body per stream in the edge's memory (RFC 9113 §5.2).
 */
export class BodyQueue implements AsyncIterable<Uint8Array> {
  private readonly chunks: Buffer[] = [];
  private ended = false;
  private failure: Error | undefined;
  private waiter: { resolve: (r: IteratorResult<Uint8Array>) => void; reject: (e: Error) => void } | undefined;
  /** Bytes buffered and not yet read. */
  bufferedBytes = 0;

  constructor(private readonly consumed: (bytes: number) => void) {}

  push(chunk: Buffer): void {
    if (this.ended || this.failure !== undefined) return;
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      this.consumed(chunk.length);
      w.resolve({ value: chunk, done: false });
      return;
    }
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
  }

  end(): void {
    this.ended = true;
    if (this.waiter !== undefined && this.chunks.length === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  }

  /** The stream was reset or the connection died: a reader waiting or coming later gets `err`. */
  fail(err: Error): void {
    if (this.ended) return;
    this.failure = err;
    this.chunks.length = 0;
    this.bufferedBytes = 0;
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(err);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        const chunk = this.chunks.shift();
        if (chunk !== undefined) {
          this.bufferedBytes -= chunk.length;
          this.consumed(chunk.length);
          return Promise.resolve({ value: chunk, done: false });
        }
        if (this.failure !== undefined) return Promise.reject(this.failure);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
      },
      return: () => {
        // The reader stopped early: drop what is buffered (the connection gives the window back).
        this.fail(new Error('body reader stopped'));
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
