/** A node:http2 client for tests: one session, requests read to the end, the session always closed. */
import { connect, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';

export interface H2Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface H2Client {
  session: ClientHttp2Session;
  request(headers: OutgoingHttpHeaders, body?: string): Promise<H2Reply>;
  get(path: string, headers?: OutgoingHttpHeaders): Promise<H2Reply>;
  close(): Promise<void>;
}

export async function connectH2(url: string, ca: Buffer, servername = 'localhost'): Promise<H2Client> {
  const session = connect(url, { ca, servername });
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  // A session error after connect (a GOAWAY with an error code) is what some tests wait for, not a crash.
  session.on('error', () => undefined);
  const request = (headers: OutgoingHttpHeaders, body?: string): Promise<H2Reply> =>
    new Promise((resolve, reject) => {
      const stream = session.request(headers, { endStream: body === undefined });
      if (body !== undefined) stream.end(body);
      let responseHeaders: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on('response', (h) => (responseHeaders = h));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('end', () => resolve({ status: Number(responseHeaders[':status']), headers: responseHeaders, body: Buffer.concat(chunks).toString('latin1') }));
    });
  return {
    session,
    request,
    get: (path, headers = {}) => request({ ':path': path, ...headers }),
    close: () =>
      new Promise((resolve) => {
        if (session.closed || session.destroyed) return resolve();
        session.close(() => resolve());
      }),
  };
}
