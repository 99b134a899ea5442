/** node:http in front of the edge pipeline (`--http-server node`). */
import { createServer, type Server } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../../common/ports.js';
import { edgeRequestOf, type ClientRequest, type ClientResponse } from './client-request.js';
import { watchRequest, type RequestWatch, type WatchOptions } from './watch-request.js';
import type { Edge } from '../pipeline/edge.js';
import type { EdgeResponse } from '../pipeline/types.js';

export interface EdgeServerOptions {
  /** Idle keep-alive connections are closed after this long. */
  keepAliveTimeoutMs: number;
  /** A client has this long to send its request headers. */
  headersTimeoutMs: number;
  /** Told about every finished request (access log, duration histograms); absent: nothing is timed. */
  watch?: WatchOptions;
}

export function createEdgeServer(edge: Edge, logger: Logger, options: EdgeServerOptions): Server {
  const server = createServer(
    { keepAliveTimeout: options.keepAliveTimeoutMs, headersTimeout: options.headersTimeoutMs, requestTimeout: 0 },
    (req, res) => serveClientRequest(edge, logger, req, res, options.watch === undefined ? undefined : watchRequest(options.watch, req, res)),
  );
  return server;
}

/** Hands one node:http request to the pipeline and writes its answer. */
export function serveClientRequest(edge: Pick<Edge, 'handle'>, logger: Logger, req: ClientRequest, res: ClientResponse, watch: RequestWatch | undefined): void {
  const edgeRequest = edgeRequestOf(req, res);
  let result: EdgeResponse | Promise<EdgeResponse>;
  try {
    result = edge.handle(edgeRequest);
  } catch (err) {
    fail(res, logger, err);
    return;
  }
  if (result instanceof Promise) {
    result.then(
      (r) => {
        watch?.answered(r);
        write(res, r, logger);
      },
      (err: unknown) => fail(res, logger, err),
    );
  } else {
    watch?.answered(result);
    write(res, result, logger);
  }
}

function write(res: ClientResponse, r: EdgeResponse, logger: Logger): void {
  try {
    res.writeHead(r.status, r.headers);
  } catch (err) {
    // An upstream header node refuses to send: answer 502 rather than crash.
    discard(r.body);
    fail(res, logger, err);
    return;
  }
  const body = r.body;
  if (body === undefined) {
    res.end();
  } else if (Buffer.isBuffer(body)) {
    res.end(body);
  } else {
    pipeline(Readable.from(body, { objectMode: false }), res).catch((err: unknown) => {
      // Headers are gone already; closing the connection is how a truncated body is signalled.
      logger.log('warn', 'response stream failed', { error: String(err) });
      res.destroy();
    });
  }
}

function fail(res: ClientResponse, logger: Logger, err: unknown): void {
  logger.log('error', 'request failed', { error: err instanceof Error ? err.message : String(err) });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end('502 edge error\n');
}

export function discard(body: EdgeResponse['body']): void {
  if (body !== undefined && !Buffer.isBuffer(body)) {
    const it = body[Symbol.asyncIterator]();
    void it.return?.();
  }
}
