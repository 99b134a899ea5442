/**
 * The HTTPS listener: TLS 1.2+ with a default certificate and more chosen by SNI, HTTP/2 and
 * HTTP/1.1 by ALPN (h2 first), both through serveClientRequest, the request path the plain
 * node:http listener uses. HTTP/2 sessions are bounded (README "TLS and HTTP/2"): streams, header
 * list, windows, invalid frames, refused streams, unacknowledged PINGs and SETTINGS, and client
 * resets per window (reset-budget.ts). `reload` swaps the certificates for new handshakes; open
 * connections keep theirs.
 */
import { constants, createSecureServer, type Http2SecureServer, type Http2Session, type ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Clock, Logger } from '../../common/ports.js';
import type { Edge } from '../pipeline/edge.js';
import type { ClientRequest, ClientResponse } from './client-request.js';
import { ResetBudget } from './h2/reset-budget.js';
import { serveClientRequest, type EdgeServerOptions } from './node-server.js';
import { contextForName, type CertificateSet } from './tls/certificate-set.js';
import type { Http2Limits } from './tls/config.js';
import { watchRequest } from './watch-request.js';

export interface HttpsServerOptions extends EdgeServerOptions {
  certificates: CertificateSet;
  http2: Http2Limits;
}

export type HttpsEdgeServer = Http2SecureServer & {
  /** New handshakes get `set`; connections already open keep the certificate they have. */
  reload(set: CertificateSet): void;
  /** Closes idle HTTP/1.1 connections and asks HTTP/2 sessions to finish (GOAWAY, open streams complete). */
  closeIdleConnections(): void;
  closeAllConnections(): void;
};

export function createHttpsEdgeServer(edge: Pick<Edge, 'handle'>, ports: { logger: Logger; clock: Clock }, options: HttpsServerOptions): HttpsEdgeServer {
  const limits = options.http2;
  let certificates = options.certificates;
  const server = createSecureServer(
    {
      ...certificates.defaultOptions,
      SNICallback: (name, done) => done(null, contextForName(certificates, name)),
      ALPNProtocols: limits.enabled ? ['h2', 'http/1.1'] : ['http/1.1'],
      allowHTTP1: true,
      // A handshake that has not finished by the time headers would be due is dropped.
      handshakeTimeout: options.headersTimeoutMs,
      maxSessionInvalidFrames: limits.maxSessionInvalidFrames,
      maxSessionRejectedStreams: limits.maxSessionRejectedStreams,
      maxOutstandingPings: limits.maxOutstandingPings,
      // Real node:http2 option, missing from @types/node 20.
      ...({ maxOutstandingSettings: limits.maxOutstandingSettings } as object),
      maxSessionMemory: limits.maxSessionMemoryMiB,
      maxHeaderListPairs: limits.maxHeaderListPairs,
      settings: {
        maxConcurrentStreams: limits.maxConcurrentStreams,
        maxHeaderListSize: limits.maxHeaderListBytes,
        initialWindowSize: limits.streamWindowBytes,
        enablePush: false,
      },
    },
    (req, res) => serve(req, res),
  );
  const serve = (req: ClientRequest, res: ClientResponse): void => {
    const socket = req.socket as Socket;
    if (req.httpVersionMajor !== 2) connections.busy(socket, res);
    serveClientRequest(edge, ports.logger, req, res, options.watch === undefined ? undefined : watchRequest(options.watch, req, res), limits.maxHeaderListBytes);
  };
  const connections = new ConnectionSet();
  // An idle connection (HTTP/1.1 between requests, an HTTP/2 session without open streams) is
  // closed after this long. node's default destroys any connection that was silent that long,
  // which would cut a request waiting on a slow origin; a busy one is left alone and the timer re-arms.
  server.setTimeout(options.keepAliveTimeoutMs);
  server.on('timeout', (idle: Http2Session | Socket) => connections.timedOut(idle));
  server.on('secureConnection', (socket: TLSSocket) => connections.add(socket));
  server.on('session', (session: ServerHttp2Session) => {
    connections.addSession(session);
    session.once('connect', () => session.setLocalWindowSize(limits.sessionWindowBytes));
    const budget = new ResetBudget(ports.clock, limits.maxResetsPerWindow, limits.resetWindowMs);
    let goneAway = false;
    session.on('stream', (stream) => {
      // 'aborted': the client reset the stream before the answer was complete.
      stream.once('aborted', () => {
        if (budget.spend() || goneAway || session.destroyed) return;
        goneAway = true;
        ports.logger.log('warn', 'http2 rapid reset: session closed', { client: session.socket?.remoteAddress, resetsPerWindow: limits.maxResetsPerWindow });
        // GOAWAY first, the rest once it is written: a session destroyed here, while nghttp2 is
        // still reading the client's frames, closes its socket before any GOAWAY leaves.
        session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM);
        setImmediate(() => session.destroy());
      });
    });
  });
  // Floods (invalid frames, refused streams, PINGs, SETTINGS) and hostile handshakes end here: one line, no crash.
  server.on('sessionError', (err: Error) => ports.logger.log('debug', 'http2 session closed on error', { error: err.message }));
  server.on('tlsClientError', (err: Error) => ports.logger.log('debug', 'tls handshake failed', { error: err.message }));
  return Object.assign(server, {
    reload(set: CertificateSet) {
      server.setSecureContext(set.defaultOptions);
      certificates = set;
    },
    closeIdleConnections: () => connections.closeIdle(),
    closeAllConnections: () => connections.closeAll(),
  });
}

/**
 * The open connections, for shutdown: node:http2's server keeps no list, and its HTTP/1.1 side
 * has no closeIdleConnections.
 */
class ConnectionSet {
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<Http2Session>();
  private readonly inFlight = new Map<Socket, number>();
  private readonly openStreams = new Map<Http2Session, number>();
  /** Sessions whose idle timer fired while they had streams open. */
  private readonly expired = new WeakSet<Http2Session>();
  private closing = false;

  add(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.inFlight.delete(socket);
    });
  }

  addSession(session: Http2Session): void {
    this.sessions.add(session);
    this.openStreams.set(session, 0);
    session.on('stream', (stream) => {
      this.openStreams.set(session, (this.openStreams.get(session) ?? 0) + 1);
      stream.once('close', () => {
        const left = (this.openStreams.get(session) ?? 1) - 1;
        this.openStreams.set(session, left);
        // Its idle time ran out while this stream was in flight: close now that it is idle.
        if (left === 0 && this.expired.has(session)) session.close();
      });
    });
    session.once('close', () => {
      this.sessions.delete(session);
      this.openStreams.delete(session);
    });
    if (this.closing) session.close();
  }

  /** The idle timer fired on a session or an HTTP/1.1 socket: closed when nothing is in flight on it. */
  timedOut(idle: Http2Session | Socket): void {
    const streams = this.openStreams.get(idle as Http2Session);
    if (streams !== undefined) {
      // node does not fire the timer again once it has fired: a busy session is closed when its last stream ends.
      if (streams === 0) (idle as Http2Session).close();
      else this.expired.add(idle as Http2Session);
      return;
    }
    const socket = idle as Socket;
    if (!this.inFlight.has(socket)) socket.destroy();
  }

  /** An HTTP/1.1 request on `socket` until `res` closes; after shutdown began, the connection ends with it. */
  busy(socket: Socket, res: ClientResponse): void {
    this.inFlight.set(socket, (this.inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (this.inFlight.get(socket) ?? 1) - 1;
      if (left > 0) this.inFlight.set(socket, left);
      else this.inFlight.delete(socket);
      if (this.closing && left <= 0) socket.end();
    });
  }

  closeIdle(): void {
    this.closing = true;
    for (const session of this.sessions) session.close();
    // An HTTP/2 socket ends with its session; ending it here would cut the session's open streams.
    for (const socket of this.sockets) if ((socket as TLSSocket).alpnProtocol !== 'h2' && !this.inFlight.has(socket)) socket.end();
  }

  closeAll(): void {
    this.closing = true;
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
  }
}
