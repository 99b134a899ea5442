/**
 * The own HTTP/1.1 server for the edge's client side (`--http-server own`, the default): a net.Server whose
 * connections are Http1Connection, handing each request to the same entry point node-server.ts
 * uses (`edge.handle`). It offers the subset of node:http's Server that edge/main.ts and the test
 * harnesses use: listen, address, close, closeIdleConnections, closeAllConnections.
 */
import { Server, type Socket } from 'node:net';
import type { Clock, Logger, Timers } from '../../../common/ports.js';
import { DEFAULT_CHUNKED_LIMITS, type ChunkedLimits } from './chunked.js';
import { Http1Connection, type RequestHandler } from './connection.js';
import { DEFAULT_PARSER_LIMITS, type ParserLimits } from './parser.js';
import type { WatchOptions } from '../watch-request.js';

export interface Http1ServerOptions {
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  timers: Timers;
  clock: Clock;
  logger: Logger;
  /** Default 30,000: longest gap between request body bytes the handler is ready for. */
  bodyIdleTimeoutMs?: number;
  /** Default 300,000: longest a whole request body may take (node:http's requestTimeout). */
  requestBodyTimeoutMs?: number;
  /** Default 30,000: longest wait for a client that reads nothing to take response bytes. */
  sendIdleTimeoutMs?: number;
  parser?: ParserLimits;
  /** Told about every finished request (access log, duration histograms). */
  watch?: WatchOptions | undefined;
  chunked?: ChunkedLimits;
  /** Default 64 KiB: pipelined bytes buffered per connection while a response is in progress. */
  maxPipelinedBytes?: number;
}

export class Http1Server extends Server {
  private readonly live = new Set<Http1Connection>();

  constructor(handler: RequestHandler, o: Http1ServerOptions) {
    super({ noDelay: true });
    const options = {
      parser: o.parser ?? DEFAULT_PARSER_LIMITS,
      chunked: o.chunked ?? DEFAULT_CHUNKED_LIMITS,
      headersTimeoutMs: o.headersTimeoutMs,
      keepAliveTimeoutMs: o.keepAliveTimeoutMs,
      bodyIdleTimeoutMs: o.bodyIdleTimeoutMs ?? 30_000,
      requestBodyTimeoutMs: o.requestBodyTimeoutMs ?? 300_000,
      sendIdleTimeoutMs: o.sendIdleTimeoutMs ?? 30_000,
      maxPipelinedBytes: o.maxPipelinedBytes ?? 64 * 1024,
      timers: o.timers,
      clock: o.clock,
      logger: o.logger,
      watch: o.watch,
    };
    this.on('connection', (socket: Socket) => {
      const c = new Http1Connection(socket, handler, options, (gone) => this.live.delete(gone));
      this.live.add(c);
    });
  }

  /** Stops accepting; connections finish the response in progress and close (graceful drain). */
  override close(callback?: (err?: Error) => void): this {
    super.close(callback);
    for (const c of this.live) c.drain();
    return this;
  }

  closeIdleConnections(): void {
    for (const c of this.live) c.closeIfIdle();
  }

  closeAllConnections(): void {
    for (const c of [...this.live]) c.destroy();
  }
}
