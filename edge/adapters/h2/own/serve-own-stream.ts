/**
 * One request on the own HTTP/2 layer, from its decoded and checked fields to the answer: the
 * same field mapping (request-fields.ts: `:authority` vs Host, the list bound) and the same
 * `edge.handle` as the node:http2 path (serve-stream.ts), answered with a prepared header block
 * and the body's DATA frames in the same socket write.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { Clock, InformationalResponse, Logger } from '../../../../common/ports.js';
import type { Edge } from '../../../pipeline/edge.js';
import { bodyForPipeline, edgeRequestOf } from '../../../pipeline/incoming-request.js';
import type { EdgeResponse } from '../../../pipeline/types.js';
import { discard } from '../../node-server.js';
import { watchExchange, type RequestWatch, type WatchOptions } from '../../watch-request.js';
import { hintFields } from '../../write-informational.js';
import { h2RequestFields } from '../request-fields.js';
import type { H2Connection } from './connection.js';
import { ErrorCode } from './frames.js';
import { encodeResponseBlock } from './hpack-encoder.js';
import { flatFields, ResponseBlocks } from './response-block.js';
import type { OwnStream } from './stream.js';

export interface OwnStreamServerOptions {
  maxHeaderListBytes: number;
  watch?: WatchOptions | undefined;
}

const PLAIN_TEXT = 'text/plain; charset=utf-8';

export class OwnStreamServer {
  private readonly blocks = new ResponseBlocks();

  constructor(
    private readonly edge: Pick<Edge, 'handle'>,
    private readonly ports: { logger: Logger; clock: Clock },
    private readonly o: OwnStreamServerOptions,
  ) {}

  serve(c: H2Connection, s: OwnStream, endStream: boolean): void {
    const head = s.head;
    // A list over the limit arrives without a head (the connection kept none of it).
    if (head === undefined) {
      this.answerPlain(c, s, 431, '431 request header fields too large\n');
      return;
    }
    const mapped = h2RequestFields(head.headers, this.o.maxHeaderListBytes);
    if ('refused' in mapped) {
      this.answerPlain(c, s, mapped.refused.status, `${mapped.refused.status} ${mapped.refused.malformed}\n`);
      return;
    }
    const method = head.method;
    const target = head.path ?? '/';
    const body = bodyForPipeline(method, !endStream) ? s.body : undefined;
    const clientAddress = c.remoteAddress;
    const request = edgeRequestOf(method, target, mapped.headers, body, clientAddress, (info) => this.informational(c, s, info));
    const watch = this.o.watch === undefined ? undefined : watchStream(this.o.watch, s, method, target, mapped.headers, clientAddress);
    let result: EdgeResponse | Promise<EdgeResponse>;
    try {
      result = this.edge.handle(request);
    } catch (err) {
      this.fail(c, s, err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (r) => this.answer(c, s, r, watch),
        (err: unknown) => this.fail(c, s, err),
      );
    } else {
      this.answer(c, s, result, watch);
    }
  }

  private answer(c: H2Connection, s: OwnStream, r: EdgeResponse, watch: RequestWatch | undefined): void {
    watch?.answered(r);
    if (s.closed) {
      discard(r.body);
      return;
    }
    const body = r.body;
    c.writeHeaders(s, this.blocks.blockFor(r, this.ports.clock.wallMs()), body === undefined, r.status);
    if (body === undefined) return;
    if (Buffer.isBuffer(body)) {
      c.writeData(s, body, true);
      return;
    }
    this.stream(c, s, body).catch((err: unknown) => {
      // The fields are gone already; resetting the stream is how a truncated body is signalled.
      this.ports.logger.log('warn', 'response stream failed', { error: String(err) });
      c.resetStream(s, ErrorCode.INTERNAL_ERROR);
    });
  }

  private async stream(c: H2Connection, s: OwnStream, body: AsyncIterable<Uint8Array>): Promise<void> {
    const it = body[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await it.next();
        if (s.closed) return;
        if (next.done === true) {
          c.writeData(s, undefined, true);
          return;
        }
        const chunk = next.value;
        const wait = c.writeData(s, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), false);
        if (wait !== undefined) await wait;
        if (s.closed) return;
      }
    } finally {
      if (s.closed) void it.return?.();
    }
  }

  /** 103 Early Hints ahead of the final answer; HTTP/2 has no 102 (as serve-stream.ts). */
  private informational(c: H2Connection, s: OwnStream, info: InformationalResponse): void {
    if (info.status !== 103 || s.responded || s.closed) return;
    const hints = hintFields(info.headers);
    if (hints['link'] === undefined) return;
    c.writeHeaders(s, encodeResponseBlock(103, flatFields(hints as Record<string, string | string[]>)), false, 103);
  }

  private fail(c: H2Connection, s: OwnStream, err: unknown): void {
    this.ports.logger.log('error', 'request failed', { error: err instanceof Error ? err.message : String(err) });
    if (s.responded) {
      c.resetStream(s, ErrorCode.INTERNAL_ERROR);
      return;
    }
    this.answerPlain(c, s, 502, '502 edge error\n');
  }

  private answerPlain(c: H2Connection, s: OwnStream, status: number, text: string): void {
    if (s.closed) return;
    const body = Buffer.from(text, 'utf8');
    const fields = ['content-type', PLAIN_TEXT, 'cache-control', 'no-store', 'date', new Date(this.ports.clock.wallMs()).toUTCString()];
    c.writeHeaders(s, encodeResponseBlock(status, fields), false, status);
    c.writeData(s, body, true);
  }
}

/** The request watch (access log, duration histograms) for one stream. */
function watchStream(o: WatchOptions, s: OwnStream, method: string, target: string, headers: IncomingHttpHeaders | Readonly<Record<string, string | string[] | undefined>>, clientAddress: string | undefined): RequestWatch {
  return watchExchange(o, {
    method,
    target,
    protocol: 'HTTP/2',
    headers,
    clientAddress,
    status: () => s.status,
    finished: () => s.localClosed && !s.aborted,
    onClose: (callback) => s.onClose(callback),
  });
}
