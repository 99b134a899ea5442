/**
 * One HTTP/2 request, from node:http2's 'stream' event to the answer, without the compatibility
 * API (no Http2ServerRequest/Response pair per stream): the fields are mapped once
 * (request-fields.ts), handed to the same `edge.handle` the HTTP/1.1 layers call, and answered
 * with `stream.respond` and `stream.end`, the response fields prepared once per reused answer
 * (prepared-fields.ts).
 */
import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { InformationalResponse, Logger } from '../../../common/ports.js';
import type { Edge } from '../../pipeline/edge.js';
import { bodyForPipeline, edgeRequestOf } from '../../pipeline/incoming-request.js';
import type { EdgeResponse } from '../../pipeline/types.js';
import { discard } from '../node-server.js';
import { watchExchange, type RequestWatch, type WatchOptions } from '../watch-request.js';
import { hintFields } from '../write-informational.js';
import { PreparedH2Fields } from './prepared-fields.js';
import { h2RequestFields } from './request-fields.js';

export interface H2StreamOptions {
  maxHeaderListBytes: number;
  watch?: WatchOptions | undefined;
}

const PLAIN_TEXT = 'text/plain; charset=utf-8';
/** A stream the client reset (or a session torn down) says so here; nothing is left to answer. */
const ignoreStreamError = (): void => undefined;

export class H2StreamServer {
  private readonly prepared = new PreparedH2Fields();
  /** Each session's client address, read once: `session.socket` is a proxy, its getters cost. */
  private readonly addresses = new WeakMap<object, string | undefined>();

  constructor(
    private readonly edge: Pick<Edge, 'handle'>,
    private readonly logger: Logger,
    private readonly o: H2StreamOptions,
  ) {}

  serve(stream: ServerHttp2Stream, raw: IncomingHttpHeaders): void {
    stream.on('error', ignoreStreamError);
    const mapped = h2RequestFields(raw, this.o.maxHeaderListBytes);
    if ('refused' in mapped) {
      this.answerPlain(stream, mapped.refused.status, `${mapped.refused.status} ${mapped.refused.malformed}\n`);
      return;
    }
    const method = raw[':method'] ?? 'GET';
    const target = raw[':path'] ?? '/';
    // HTTP/2 has no Transfer-Encoding: a body is whatever DATA follows HEADERS without END_STREAM.
    // Not the stream itself: an async iteration that ends destroys what it iterates, and this
    // stream must still carry the answer.
    const body = bodyForPipeline(method, !stream.endAfterHeaders) ? stream.iterator({ destroyOnReturn: false }) : undefined;
    const clientAddress = this.clientAddressOf(stream);
    const request = edgeRequestOf(method, target, mapped.headers, body, clientAddress, (info) => this.informational(stream, info));
    const watch = this.o.watch === undefined ? undefined : watchStream(this.o.watch, stream, method, target, mapped.headers, clientAddress);
    let result: EdgeResponse | Promise<EdgeResponse>;
    try {
      result = this.edge.handle(request);
    } catch (err) {
      this.fail(stream, err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (r) => this.answer(stream, r, watch),
        (err: unknown) => this.fail(stream, err),
      );
    } else {
      this.answer(stream, result, watch);
    }
  }

  private answer(stream: ServerHttp2Stream, r: EdgeResponse, watch: RequestWatch | undefined): void {
    watch?.answered(r);
    if (stream.destroyed || stream.closed) {
      discard(r.body);
      return;
    }
    const body = r.body;
    try {
      stream.respond(this.prepared.fieldsFor(r), { endStream: body === undefined });
    } catch (err) {
      // An upstream field node refuses to send: answer 502 rather than crash.
      discard(body);
      this.fail(stream, err);
      return;
    }
    if (body === undefined) return;
    if (Buffer.isBuffer(body)) {
      stream.end(body);
      return;
    }
    pipeline(Readable.from(body, { objectMode: false }), stream).catch((err: unknown) => {
      // The fields are gone already; resetting the stream is how a truncated body is signalled.
      this.logger.log('warn', 'response stream failed', { error: String(err) });
      if (!stream.destroyed) stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    });
  }

  private clientAddressOf(stream: ServerHttp2Stream): string | undefined {
    const session = stream.session;
    if (session === undefined) return undefined;
    if (this.addresses.has(session)) return this.addresses.get(session);
    const address = session.socket?.remoteAddress;
    this.addresses.set(session, address);
    return address;
  }

  /** 103 Early Hints ahead of the final answer; HTTP/2 has no 102 (advisory, RFC 9110 §15.2), so those are dropped. */
  private informational(stream: ServerHttp2Stream, info: InformationalResponse): void {
    if (info.status !== 103 || stream.headersSent || stream.destroyed) return;
    const hints = hintFields(info.headers);
    // node:http's writeEarlyHints sends nothing without a Link field (it would hint at nothing); the same here.
    if (hints['link'] === undefined) return;
    try {
      stream.additionalHeaders({ ...hints, ':status': 103 });
    } catch {
      // A field node refuses: the hint is advisory, the final response still goes out.
    }
  }

  private fail(stream: ServerHttp2Stream, err: unknown): void {
    this.logger.log('error', 'request failed', { error: err instanceof Error ? err.message : String(err) });
    if (stream.headersSent) {
      if (!stream.destroyed) stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    this.answerPlain(stream, 502, '502 edge error\n');
  }

  private answerPlain(stream: ServerHttp2Stream, status: number, text: string): void {
    if (stream.destroyed || stream.closed) return;
    stream.respond({ ':status': status, 'content-type': PLAIN_TEXT, 'cache-control': 'no-store' });
    stream.end(text);
  }
}

/** The request watch (access log, duration histograms) for one stream. */
function watchStream(o: WatchOptions, stream: ServerHttp2Stream, method: string, target: string, headers: IncomingHttpHeaders | Readonly<Record<string, string | string[] | undefined>>, clientAddress: string | undefined): RequestWatch {
  return watchExchange(o, {
    method,
    target,
    protocol: 'HTTP/2',
    headers,
    clientAddress,
    status: () => Number(stream.sentHeaders?.[':status'] ?? 0),
    finished: () => stream.writableFinished,
    onClose: (callback) => void stream.once('close', callback),
  });
}
