/**
 * An origin for hostile tests that reads targets the way most origins do (WHATWG URL: '\' is
 * '/', dot segments resolved after), records every request byte for byte, and names in its body
 * what it understood, so a test sees at once which resource an answer really is.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OriginRequest {
  method: string;
  /** The request target exactly as it arrived on the origin's request line. */
  target: string;
  headers: IncomingHttpHeaders;
}

export interface OriginAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface RecordingOrigin {
  url: string;
  requests: OriginRequest[];
  /** Answers for the next requests; by default every GET gets `defaultAnswer`. */
  answer: (req: OriginRequest) => OriginAnswer;
  close(): Promise<void>;
}

/** What a WHATWG-URL origin makes of a target: '\' as '/', dot segments resolved. */
export function originResource(target: string): string {
  const url = new URL(target, 'http://origin.invalid');
  return `${url.pathname}${url.search}`;
}

/** A cacheable answer whose body names the resource the origin served and the Host it saw. */
export function defaultAnswer(req: OriginRequest): OriginAnswer {
  return {
    headers: { 'cache-control': 'public, max-age=300', etag: '"v1"', 'content-type': 'text/plain' },
    body: `resource=${originResource(req.target)} host=${req.headers.host ?? ''}`,
  };
}

export async function startRecordingOrigin(): Promise<RecordingOrigin> {
  const origin: RecordingOrigin = { url: '', requests: [], answer: defaultAnswer, close: async () => undefined };
  const server = createServer((req, res) => {
    const recorded: OriginRequest = { method: req.method ?? '', target: req.url ?? '', headers: req.headers };
    origin.requests.push(recorded);
    req.resume();
    req.on('end', () => {
      const answer = origin.answer(recorded);
      const body = req.method === 'HEAD' ? '' : (answer.body ?? '');
      const notModified = req.headers['if-none-match'] !== undefined && req.headers['if-none-match'] === answer.headers?.['etag'];
      res.writeHead(notModified ? 304 : (answer.status ?? 200), answer.headers ?? {});
      res.end(notModified ? undefined : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  origin.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return origin;
}
