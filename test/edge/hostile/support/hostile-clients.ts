/**
 * How the hostile suite talks to each client-facing server. `raw` sends a request written as an
 * HTTP/1.1 head exactly as an attacker would: its bytes on a plain or TLS connection, or, for
 * HTTP/2, the same request line and fields as HEADERS (Host becomes `:authority`, as a browser
 * sends it). `get` is the ordinary second client.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Agent, request } from 'undici';
import { connectH2 } from '../../../support/h2-client.js';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /**
   * 'h2': the HTTP/2 layer refused the request itself, before the pipeline: nghttp2 resets a
   * stream whose `:path` or `:authority` holds characters RFC 9113 §8.2.1 and §8.3.1 forbid. The
   * reset (PROTOCOL_ERROR) is reported as status 400, the one answer the suite accepts for a
   * refused request; tests still check that nothing reached the origin.
   */
  refusedBy?: 'h2';
}

export interface HostileClient {
  /** Sends one request as raw bytes (latin1) on a new connection and reads the answer to the end. */
  raw(requestHead: string): Promise<Reply>;
  /** An ordinary client's GET. */
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

export function plainClient(host: string, port: number): HostileClient {
  return {
    raw: (head) => rawHttp1(() => netConnect(port, host), head),
    get: (path, headers) => undiciGet(`http://${host}:${port}${path}`, headers, undefined),
    close: async () => undefined,
  };
}

export function tlsClient(host: string, port: number, ca: Buffer): HostileClient {
  // undici takes the SNI name from a Host field; the hostile Hosts are not the certificate's
  // names, and the chain is still checked against the test CA.
  const dispatcher = new Agent({ connect: { ca, servername: 'localhost', checkServerIdentity: () => undefined } });
  return {
    raw: (head) => rawHttp1(() => tlsConnect({ host, port, ca, servername: 'localhost', ALPNProtocols: ['http/1.1'] }), head),
    get: (path, headers) => undiciGet(`https://${host}:${port}${path}`, headers, dispatcher),
    close: () => dispatcher.close(),
  };
}

export function h2Client(host: string, port: number, ca: Buffer): HostileClient {
  const url = `https://${host}:${port}`;
  const once = async (fields: Record<string, string>): Promise<Reply> => {
    const client = await connectH2(url, ca);
    try {
      let reply;
      try {
        reply = await client.request(fields);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_HTTP2_STREAM_ERROR' && /PROTOCOL_ERROR/.test(String(err))) return { status: 400, headers: {}, body: '', refusedBy: 'h2' };
        throw err;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(reply.headers)) if (!k.startsWith(':')) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
      return { status: reply.status, headers, body: reply.body };
    } finally {
      await client.close();
    }
  };
  return {
    raw: (head) => once(h2FieldsOf(head)),
    get: (path, headers = {}) => once(h2FieldsOf(`GET ${path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}`)),
    close: async () => undefined,
  };
}

/**
 * An HTTP/1.1 request head as HTTP/2 fields (RFC 9113 §8.3.1): the method and target become
 * `:method` and `:path` (absolute-form: `:scheme`, `:authority` and `:path`), Host becomes
 * `:authority` (absolute-form: dropped, as RFC 9112 §3.2.2 ignores it), other fields stay. Connection-specific fields have no HTTP/2 form; tests about
 * them run on HTTP/1.1 transports only.
 */
export function h2FieldsOf(head: string): Record<string, string> {
  const lines = head.split('\r\n').filter((l) => l !== '');
  const [method = 'GET', target = '/'] = lines[0]!.split(' ');
  const fields: Record<string, string> = { ':method': method };
  const absolute = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(target);
  if (absolute !== null) {
    fields[':scheme'] = absolute[1]!.toLowerCase();
    fields[':authority'] = absolute[2]!;
    fields[':path'] = absolute[3] === '' ? '/' : absolute[3]!;
  } else {
    fields[':path'] = target;
  }
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'host') {
      // RFC 9112 §3.2.2: with an absolute-form target the Host field is ignored; here it is not sent.
      if (absolute === null) fields[':authority'] = value;
    } else {
      fields[name] = value;
    }
  }
  return fields;
}

async function undiciGet(url: string, headers: Record<string, string> = {}, dispatcher: Agent | undefined): Promise<Reply> {
  const res = await request(url, { headers, ...(dispatcher === undefined ? {} : { dispatcher }) });
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : String(v);
  return { status: res.statusCode, headers: flat, body: await res.body.text() };
}

/** One request on its own connection, `Connection: close` added, answer parsed by hand. */
function rawHttp1(open: () => Socket, head: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = open();
    socket.once(socket.constructor.name === 'TLSSocket' ? 'secureConnect' : 'connect', () => socket.write(Buffer.from(`${head}Connection: close\r\n\r\n`, 'latin1')));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const lines = text.slice(0, split === -1 ? text.length : split).split('\r\n');
      const status = Number(lines[0]?.split(' ')[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status, headers, body: split === -1 ? '' : text.slice(split + 4) });
    });
  });
}
