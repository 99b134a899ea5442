/**
 * A bound on the origin connections one edge holds: at most `maxConnections` requests to the
 * origin are in flight (a slot is held until the response body is read or released), at most
 * `maxQueued` more wait for a slot in arrival order, and beyond that a request is refused at once
 * (the edge answers 503 with Retry-After). undici's Agent would otherwise open a connection per
 * concurrent request without limit.
 */
import { TransportError, type OutboundResponse } from '../../common/ports.js';

export interface OriginGateLimits {
  maxConnections: number;
  maxQueued: number;
}

/** The origin wait queue was full: this request never reached the origin. */
export class OriginQueueFull extends TransportError {
  constructor(limits: OriginGateLimits) {
    super('other', `origin busy: ${limits.maxConnections} requests in flight and ${limits.maxQueued} waiting`);
  }
}

export class OriginGate {
  private inFlight = 0;
  private readonly queue: Array<() => void> = [];
  /** Requests refused because the queue was full. */
  refused = 0;

  constructor(readonly limits: OriginGateLimits) {}

  stats(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlight, queued: this.queue.length };
  }

  /**
   * Runs `send` once a slot is free; the slot is held until the response's body is consumed,
   * cancelled or discarded, or `send` fails. Rejects with OriginQueueFull when it cannot wait.
   */
  async run(send: () => Promise<OutboundResponse>): Promise<OutboundResponse> {
    await this.acquire();
    let response: OutboundResponse;
    try {
      response = await send();
    } catch (err) {
      this.release();
      throw err;
    }
    return holdUntilDone(response, () => this.release());
  }

  private acquire(): Promise<void> {
    if (this.inFlight < this.limits.maxConnections) {
      this.inFlight++;
      return Promise.resolve();
    }
    if (this.queue.length >= this.limits.maxQueued) {
      this.refused++;
      return Promise.reject(new OriginQueueFull(this.limits));
    }
    // The slot passes straight to the waiter: inFlight stays counted.
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next !== undefined) next();
    else this.inFlight--;
  }
}

/** The same response, calling `done` exactly once when its body ends, fails, is cancelled or discarded. */
function holdUntilDone(response: OutboundResponse, done: () => void): OutboundResponse {
  let released = false;
  const finish = (): void => {
    if (released) return;
    released = true;
    done();
  };
  const body = response.body;
  return {
    status: response.status,
    headers: response.headers,
    discard(): void {
      finish();
      response.discard();
    },
    body: {
      [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
        const it = body[Symbol.asyncIterator]();
        return {
          async next(): Promise<IteratorResult<Uint8Array>> {
            try {
              const r = await it.next();
              if (r.done === true) finish();
              return r;
            } catch (err) {
              finish();
              throw err;
            }
          },
          async return(value?: unknown): Promise<IteratorResult<Uint8Array>> {
            finish();
            return (await it.return?.(value)) ?? { done: true, value: undefined };
          },
        };
      },
    },
  };
}
