/**
 * Raw HTTP/1.1 on loopback for server-layer tests: send exact bytes, read exact bytes back, and
 * split a response stream into messages (Content-Length, chunked, or to close), so tests can see
 * framing that an HTTP client library would hide.
 */
import { connect, type Socket } from 'node:net';

export interface RawReply {
  /** Everything the server sent, latin1. */
  text: string;
  /** The server closed (or reset) the connection. */
  closed: boolean;
}

export function openRaw(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Reads from `socket` until `done(text)` holds or the server closes. */
export function readUntil(socket: Socket, done: (text: string) => boolean): Promise<RawReply> {
  return new Promise((resolve) => {
    let text = '';
    const finish = (closed: boolean): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve({ text, closed });
    };
    const onData = (b: Buffer): void => {
      text += b.toString('latin1');
      if (done(text)) finish(false);
    };
    const onClose = (): void => finish(true);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', () => undefined);
  });
}

export interface ParsedResponse {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

/** Splits a response stream into messages; `heads` says which requests were HEAD (no body). */
export function splitResponses(text: string, heads: readonly boolean[] = []): { responses: ParsedResponse[]; rest: string } {
  const responses: ParsedResponse[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return { responses, rest };
    const lines = rest.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!)?.[1]);
    const headers = lines.slice(1).map((l): [string, string] => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]);
    const get = (n: string): string | undefined => headers.find(([k]) => k === n)?.[1];
    let after = rest.slice(end + 4);
    let body = '';
    if (status >= 100 && status < 200) {
      rest = after;
      continue; // interim answers have no body and do not count
    }
    const noBody = heads[responses.length] === true || status === 204 || status === 304;
    if (noBody) {
      // nothing
    } else if (get('transfer-encoding') === 'chunked') {
      for (;;) {
        const eol = after.indexOf('\r\n');
        if (eol < 0) return { responses, rest };
        const size = parseInt(after.slice(0, eol), 16);
        if (size === 0) {
          const fin = after.indexOf('\r\n\r\n', eol - 2 >= 0 ? eol - 2 : 0);
          after = after.slice(fin + 4);
          break;
        }
        if (after.length < eol + 2 + size + 2) return { responses, rest };
        body += after.slice(eol + 2, eol + 2 + size);
        after = after.slice(eol + 2 + size + 2);
      }
    } else if (get('content-length') !== undefined) {
      const n = Number(get('content-length'));
      if (after.length < n) return { responses, rest };
      body = after.slice(0, n);
      after = after.slice(n);
    } else {
      body = after;
      after = '';
    }
    responses.push({ status, headers, body });
    rest = after;
  }
}
