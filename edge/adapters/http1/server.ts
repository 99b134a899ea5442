/**
 * The own HTTP/1.1 server for the edge's client side (`--http-server own`, the default): a net.Server whose
 * connections are Http1Connection, handing each request to the same entry point node-server.ts
 * uses (`edge.handle`). It offers the subset of node:http's Server that edge/serve.ts and the test
 * harnesses use: listen, address, close, closeIdleConnections, closeAllConnections.
 */
import { Server, type Socket } from 'node:net';
import type { Clock, Logger, Timers } from '../../../common/ports.js';
import { AnswerSlab } from './answer-slab.js';
import { DEFAULT_CHUNKED_LIMITS, type ChunkedLimits } from './chunked.js';
import { Http1Connection, type ConnectionOptions, type RequestHandler } from './connection.js';
import { DEFAULT_PARSER_LIMITS, type ParserLimits } from './parser.js';
import { adoptWithReusedBuffer, REUSED_READ_BUFFER_BYTES } from './reused-read.js';
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
  /**
   * Default true: accepted connections read into one buffer the server reuses (reused-read.ts)
   * rather than a new Buffer per read; false reads the ordinary way ('data' events).
   */
  reuseReadBuffer?: boolean;
  /**
   * Default true: a small answer (head and body up to 16 KiB) is copied into one buffer and written
   * with one socket.write (answer-slab.ts); false writes its parts as separate chunks.
   */
  joinSmallAnswers?: boolean;
}

/**
 * Emitted with the socket a connection is served on, after 'connection' (whose socket is only a
 * shell when reads go through the reused buffer): the one to inspect for bytesRead or pauses.
 */
export const SERVING_EVENT = 'serving';

/** The options every connection of one server shares, defaults filled in. */
export function connectionOptions(o: Http1ServerOptions): ConnectionOptions {
  return {
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
    // One slab per server: its connections run on one thread and settle each region they write.
    answerSlab: o.joinSmallAnswers === false ? undefined : new AnswerSlab(),
  };
}

/**
 * The layer's entry point: serves HTTP/1.1 on one connected socket until it closes. Any server
 * that accepts sockets can call it (a net.Server here; a TLS server hands it a tls.TLSSocket,
 * which is a net.Socket). `onClosed` runs once, when the connection is gone.
 */
export function serveHttp1(socket: Socket, handler: RequestHandler, options: ConnectionOptions, onClosed: (c: Http1Connection) => void = () => undefined): Http1Connection {
  return new Http1Connection(socket, handler, options, onClosed);
}

export class Http1Server extends Server {
  private readonly live = new Set<Http1Connection>();

  constructor(handler: RequestHandler, o: Http1ServerOptions) {
    // pauseOnConnect: nothing is read before the handle can move to a reused-buffer socket.
    // allowHalfOpen: a client that half-closes after its requests still gets every answer (the
    // connection ends the socket itself when it is done); without it Node ends our side at once.
    super({ noDelay: true, pauseOnConnect: true, allowHalfOpen: true });
    const options = connectionOptions(o);
    const gone = (c: Http1Connection): void => void this.live.delete(c);
    // One buffer for every connection: a read's bytes are parsed, or copied, before the next read.
    const readBuffer = o.reuseReadBuffer === false ? undefined : Buffer.allocUnsafe(REUSED_READ_BUFFER_BYTES);
    this.on('connection', (accepted: Socket) => {
      let connection: Http1Connection | undefined;
      const socket = readBuffer === undefined ? undefined : adoptWithReusedBuffer(accepted, readBuffer, (bytes) => connection!.receiveReused(bytes));
      if (socket === undefined) {
        connection = serveHttp1(accepted, handler, options, gone);
        accepted.resume();
      } else {
        connection = new Http1Connection(socket, handler, options, gone, 'fed');
      }
      this.live.add(connection);
      this.emit(SERVING_EVENT, socket ?? accepted);
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
