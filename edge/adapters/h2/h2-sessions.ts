/**
 * The HTTP/2 side of the HTTPS listener: a node:http2 server that accepts no sockets itself but is
 * handed TLS sockets that negotiated `h2` (https-server.ts emits 'connection' on it). It applies
 * the session limits (README "TLS and HTTP/2"), the rapid-reset and PING/SETTINGS-flood guards, the idle timeout, and
 * keeps the open sessions for shutdown, since node:http2's server keeps no list of them.
 */
import { constants, createServer, type Http2Server, type Http2Session, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Clock, Logger } from '../../../common/ports.js';
import type { Http2Limits } from '../tls/config.js';
import { WindowBudget } from './window-budget.js';

export class H2Sessions {
  /** The node:http2 server the sockets are handed to; its 'stream' event carries the requests. */
  readonly server: Http2Server;
  private readonly openStreams = new Map<ServerHttp2Session, number>();
  /** Sessions whose idle timer fired while they had streams open. */
  private readonly expired = new WeakSet<Http2Session>();
  private closing = false;

  constructor(limits: Http2Limits, ports: { clock: Clock; logger: Logger }, idleTimeoutMs: number) {
    // Plain createServer: the TLS is done by the listener, which hands over decrypted sockets.
    this.server = createServer({
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
    });
    // An idle session (no open streams) is closed after this long. node's default destroys any
    // session silent that long, which would cut a request waiting on a slow origin; a busy one is
    // closed when its last stream ends.
    this.server.setTimeout(idleTimeoutMs);
    this.server.on('timeout', (session: ServerHttp2Session) => this.timedOut(session));
    this.server.on('session', (session: ServerHttp2Session) => this.add(session, limits, ports));
    // Floods (invalid frames, refused streams, PINGs, SETTINGS) end here: one line, no crash.
    this.server.on('sessionError', (err: Error) => ports.logger.log('debug', 'http2 session closed on error', { error: err.message }));
  }

  /** Asks every session to finish (GOAWAY; open streams complete); sessions opened later are closed at once. */
  closeAll(): void {
    this.closing = true;
    for (const session of this.openStreams.keys()) session.close();
  }

  destroyAll(): void {
    this.closing = true;
    for (const session of this.openStreams.keys()) session.destroy();
  }

  private add(session: ServerHttp2Session, limits: Http2Limits, ports: { clock: Clock; logger: Logger }): void {
    this.openStreams.set(session, 0);
    session.once('close', () => this.openStreams.delete(session));
    session.once('connect', () => session.setLocalWindowSize(limits.sessionWindowBytes));
    let goneAway = false;
    /** Over a budget: GOAWAY ENHANCE_YOUR_CALM, one warning line, then the session is destroyed. */
    const calm = (reason: string, fields: Record<string, unknown>): void => {
      if (goneAway || session.destroyed) return;
      goneAway = true;
      ports.logger.log('warn', `http2 ${reason}: session closed`, { client: session.socket?.remoteAddress, ...fields });
      // GOAWAY first, the rest once it is written: a session destroyed here, while nghttp2 is
      // still reading the client's frames, closes its socket before any GOAWAY leaves.
      session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM);
      setImmediate(() => session.destroy());
    };
    const resets = new WindowBudget(ports.clock, limits.maxResetsPerWindow, limits.resetWindowMs);
    const controlFrames = new WindowBudget(ports.clock, limits.maxControlFramesPerWindow, limits.controlFrameWindowMs);
    const controlFrame = (): void => {
      if (!controlFrames.spend()) calm('PING/SETTINGS flood', { controlFramesPerWindow: limits.maxControlFramesPerWindow });
    };
    // Each PING and each SETTINGS frame the client sends (not ACKs): node reports them only to listeners.
    session.on('ping', controlFrame);
    session.on('remoteSettings', controlFrame);
    session.on('stream', (stream: ServerHttp2Stream) => {
      this.openStreams.set(session, (this.openStreams.get(session) ?? 0) + 1);
      stream.once('close', () => {
        const left = (this.openStreams.get(session) ?? 1) - 1;
        if (this.openStreams.has(session)) this.openStreams.set(session, left);
        // Its idle time ran out while this stream was in flight: close now that it is idle.
        if (left === 0 && this.expired.has(session)) session.close();
      });
      // 'aborted': the client reset the stream before the answer was complete.
      stream.once('aborted', () => {
        if (!resets.spend()) calm('rapid reset', { resetsPerWindow: limits.maxResetsPerWindow });
      });
    });
    if (this.closing) session.close();
  }

  /** node does not fire the timer again once it has fired: a busy session is closed when its last stream ends. */
  private timedOut(session: ServerHttp2Session): void {
    const streams = this.openStreams.get(session);
    if (streams === undefined || streams === 0) session.close();
    else this.expired.add(session);
  }
}
