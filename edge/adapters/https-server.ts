/**
 * The HTTPS listener: TLS 1.2+ with a default certificate and more chosen by SNI, then by ALPN
 * (h2 first) either the edge's own HTTP/1.1 layer (http1/server.ts, the one the plain listener
 * runs) or an HTTP/2 layer, node:http2 (h2/h2-sessions.ts) or the own one (h2/own/, chosen by
 * `http2.server`), all in front of the same `edge.handle`. HTTP/2
 * sessions are bounded (README "TLS and HTTP/2"). `reload` swaps the certificates for new
 * handshakes; open connections keep theirs.
 */
import type { Http2Server, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Clock, Logger, Timers } from '../../common/ports.js';
import type { Edge } from '../pipeline/edge.js';
import { H2Sessions } from './h2/h2-sessions.js';
import { OwnH2Connections } from './h2/own/own-connections.js';
import { H2StreamServer } from './h2/serve-stream.js';
import type { Http1Connection } from './http1/connection.js';
import { connectionOptions, serveHttp1 } from './http1/server.js';
import type { EdgeServerOptions } from './node-server.js';
import { contextForName, type CertificateSet } from './tls/certificate-set.js';
import type { Http2Limits } from './tls/config.js';

export interface HttpsServerOptions extends EdgeServerOptions {
  certificates: CertificateSet;
  http2: Http2Limits;
}

export type HttpsEdgeServer = TlsServer & {
  /** The node:http2 server behind the h2 connections ('session', 'stream' and 'timeout' are its events). */
  readonly http2: Http2Server;
  /** New handshakes get `set`; connections already open keep the certificate they have. */
  reload(set: CertificateSet): void;
  /** Closes idle HTTP/1.1 connections and asks HTTP/2 sessions to finish (GOAWAY, open streams complete). */
  closeIdleConnections(): void;
  closeAllConnections(): void;
};

export function createHttpsEdgeServer(edge: Pick<Edge, 'handle'>, ports: { logger: Logger; clock: Clock; timers: Timers }, options: HttpsServerOptions): HttpsEdgeServer {
  const limits = options.http2;
  let certificates = options.certificates;
  const server = new TlsServer({
    ...certificates.defaultOptions,
    SNICallback: (name, done) => done(null, contextForName(certificates, name)),
    ALPNProtocols: limits.enabled ? ['h2', 'http/1.1'] : ['http/1.1'],
    // A handshake that has not finished by the time headers would be due is dropped.
    handshakeTimeout: options.headersTimeoutMs,
  });
  const h2 = new H2Sessions(limits, ports, options.keepAliveTimeoutMs);
  const streams = new H2StreamServer(edge, ports.logger, { maxHeaderListBytes: limits.maxHeaderListBytes, watch: options.watch });
  h2.server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => streams.serve(stream, headers));
  const ownH2 = limits.server === 'own' ? new OwnH2Connections(edge, ports, limits, options.keepAliveTimeoutMs, options.watch) : undefined;

  // HTTP/1.1 over TLS: the same limits as the plain listener's own layer, the head bounded like an h2 header list.
  const http1Options = connectionOptions({
    keepAliveTimeoutMs: options.keepAliveTimeoutMs,
    headersTimeoutMs: options.headersTimeoutMs,
    timers: ports.timers,
    clock: ports.clock,
    logger: ports.logger,
    watch: options.watch,
    parser: { maxHeadBytes: limits.maxHeaderListBytes, maxHeaderCount: limits.maxHeaderListPairs },
    // A TLS socket completes every write later (its writableLength stays above 0 after write()),
    // so a joined answer's region could never be reused: each would cost a new slab.
    joinSmallAnswers: false,
  });
  const http1 = new Set<Http1Connection>();
  const gone = (c: Http1Connection): void => void http1.delete(c);
  const handle = (req: Parameters<Edge['handle']>[0]) => edge.handle(req);
  server.on('secureConnection', (socket: TLSSocket) => {
    // Synchronously, before any decrypted byte is read: the receiver takes the socket's stream as it is.
    if (socket.alpnProtocol === 'h2') {
      if (ownH2 !== undefined) ownH2.accept(socket);
      else h2.server.emit('connection', socket);
      return;
    }
    const connection = serveHttp1(socket, handle, http1Options, gone);
    http1.add(connection);
    // Accepted before close() but its handshake finished after: closed at once, as an idle connection is.
    if (draining) connection.drain();
  });
  server.on('tlsClientError', (err: Error) => ports.logger.log('debug', 'tls handshake failed', { error: err.message }));

  let draining = false;
  const closeListener = server.close.bind(server);
  return Object.assign(server, {
    http2: h2.server,
    reload(set: CertificateSet) {
      server.setSecureContext(set.defaultOptions);
      certificates = set;
    },
    /** Stops accepting; HTTP/1.1 connections finish the response in progress and close (graceful drain). */
    close(callback?: (err?: Error) => void) {
      closeListener(callback);
      if (!draining) {
        draining = true;
        for (const c of http1) c.drain();
      }
      return server;
    },
    closeIdleConnections() {
      h2.closeAll();
      ownH2?.closeAll();
      for (const c of http1) c.closeIfIdle();
    },
    closeAllConnections() {
      h2.destroyAll();
      ownH2?.destroyAll();
      for (const c of [...http1]) c.destroy();
    },
  });
}
