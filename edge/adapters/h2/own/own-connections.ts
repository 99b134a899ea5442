/**
 * The own HTTP/2 layer's side of the HTTPS listener (`http2.server: own`): each TLS socket that
 * negotiated h2 becomes an H2Connection whose requests go to OwnStreamServer; the open
 * connections are kept for shutdown (GOAWAY then close, or cut).
 */
import type { TLSSocket } from 'node:tls';
import type { Clock, Logger, Timers } from '../../../../common/ports.js';
import type { Edge } from '../../../pipeline/edge.js';
import type { Http2Limits } from '../../tls/config.js';
import type { WatchOptions } from '../../watch-request.js';
import { H2Connection } from './connection.js';
import { OwnStreamServer } from './serve-own-stream.js';

export class OwnH2Connections {
  private readonly open = new Set<H2Connection>();
  private readonly streams: OwnStreamServer;
  private closing = false;

  constructor(
    edge: Pick<Edge, 'handle'>,
    private readonly ports: { logger: Logger; clock: Clock; timers: Timers },
    private readonly limits: Http2Limits,
    private readonly idleTimeoutMs: number,
    watch: WatchOptions | undefined,
  ) {
    this.streams = new OwnStreamServer(edge, ports, { maxHeaderListBytes: limits.maxHeaderListBytes, watch });
  }

  get size(): number {
    return this.open.size;
  }

  accept(socket: TLSSocket): void {
    const c = new H2Connection(socket, {
      limits: this.limits,
      ...this.ports,
      idleTimeoutMs: this.idleTimeoutMs,
      onRequest: (conn, s, endStream) => this.streams.serve(conn, s, endStream),
      onClosed: (conn) => void this.open.delete(conn),
    });
    this.open.add(c);
    if (this.closing) c.close();
  }

  /** GOAWAY to every connection (open streams complete); connections accepted later are closed at once. */
  closeAll(): void {
    this.closing = true;
    for (const c of [...this.open]) c.close();
  }

  destroyAll(): void {
    this.closing = true;
    for (const c of [...this.open]) c.destroy();
  }
}
