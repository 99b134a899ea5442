/** The real Transport: keep-alive HTTP/1.1 through undici, errors mapped to TransportError codes. */
import { rootCertificates } from 'node:tls';
import { Agent } from 'undici';
import type { HeaderList } from '../http.js';
import { TransportError, type OutboundRequest, type OutboundResponse, type Transport, type TransportErrorCode } from '../ports.js';

export interface UndiciTransportOptions {
  /**
   * PEM CA certificates trusted for https URLs (peers, origin, control plane) besides Node's own
   * roots: a private CA need not replace the public ones an https origin may use.
   */
  ca?: string | Buffer;
}

export function createUndiciTransport(options: UndiciTransportOptions = {}): Transport {
  const ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca];
  // undici fixes the connect timeout per dispatcher, so keep one agent per distinct value.
  const agents = new Map<number, Agent>();
  const agentFor = (connectMs: number): Agent => {
    let agent = agents.get(connectMs);
    if (agent === undefined) {
      agent = new Agent({ connect: ca === undefined ? { timeout: connectMs } : { timeout: connectMs, ca }, keepAliveTimeout: 30_000 });
      agents.set(connectMs, agent);
    }
    return agent;
  };

  return {
    async request(req: OutboundRequest): Promise<OutboundResponse> {
      const flat: string[] = [];
      const onInformational = req.onInformational;
      for (const [name, value] of req.headers) flat.push(name, value);
      try {
        const res = await agentFor(req.timeouts.connectMs).request({
          origin: req.origin,
          path: req.target,
          method: req.method as 'GET',
          headers: flat,
          body: req.body === undefined ? null : (req.body as Uint8Array),
          headersTimeout: req.timeouts.headersMs,
          bodyTimeout: req.timeouts.bodyIdleMs,
          // undici reports 1xx responses only here; its own 100-continue handling is unaffected.
          ...(onInformational === undefined ? {} : { onInfo: (info: { statusCode: number; headers: Record<string, string | string[]> }) => onInformational({ status: info.statusCode, headers: toHeaderList(info.headers) }) }),
        });
        const body = res.body;
        return {
          status: res.statusCode,
          headers: toHeaderList(res.headers),
          body: mapBodyErrors(body),
          discard: () => void body.dump().catch(() => undefined),
        };
      } catch (err) {
        throw toTransportError(err);
      }
    },
    async close() {
      await Promise.all([...agents.values()].map((agent) => agent.close()));
    },
  };
}

function toHeaderList(headers: Record<string, string | string[] | undefined>): HeaderList {
  const list: HeaderList = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') list.push([name, value]);
    else for (const v of value) list.push([name, v]);
  }
  return list;
}

/**
 * undici's body with its errors mapped. Not a generator: a generator's return() before its first
 * next() never reaches the body inside, which then stays paused and holds the origin connection.
 * Here return() always releases undici's body: dumped (undici reads a little and keeps the
 * connection, or closes it) when iteration never started, the stream's own return() otherwise.
 */
function mapBodyErrors(body: AsyncIterable<Uint8Array> & { dump(): Promise<void> }): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      let inner: AsyncIterator<Uint8Array> | undefined;
      return {
        async next(): Promise<IteratorResult<Uint8Array>> {
          inner ??= body[Symbol.asyncIterator]();
          try {
            return await inner.next();
          } catch (err) {
            throw toTransportError(err);
          }
        },
        async return(): Promise<IteratorResult<Uint8Array>> {
          if (inner === undefined) await body.dump().catch(() => undefined);
          else await inner.return?.().catch(() => undefined);
          return { done: true, value: undefined };
        },
      };
    },
  };
}

function toTransportError(err: unknown): TransportError {
  if (err instanceof TransportError) return err;
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? '';
  const causeCode = e.cause?.code ?? '';
  let mapped: TransportErrorCode = 'other';
  if (code === 'ECONNREFUSED' || causeCode === 'ECONNREFUSED') mapped = 'connect-refused';
  else if (code === 'UND_ERR_CONNECT_TIMEOUT') mapped = 'connect-timeout';
  else if (code === 'UND_ERR_HEADERS_TIMEOUT') mapped = 'headers-timeout';
  else if (code === 'UND_ERR_BODY_TIMEOUT') mapped = 'body-timeout';
  else if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || causeCode === 'ECONNRESET') mapped = 'reset';
  return new TransportError(mapped, e.message ?? String(err));
}
