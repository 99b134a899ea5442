/**
 * One HTTP/2 stream on the own layer (RFC 9113 §5.1), as the connection keeps it: whether the
 * client may still send (`remoteOpen`), the flow-control windows both ways, the request body
 * queue, and the response data waiting for send window.
 */
import type { BodyQueue } from './body-queue.js';
import type { RequestHead } from './request-head.js';

export class OwnStream {
  /** The client has not ended its side (no END_STREAM yet): DATA may still come. */
  remoteOpen = true;
  /** END_STREAM sent, or the stream reset: nothing more goes out. */
  localClosed = false;
  /** The final response's HEADERS went out (a 1xx does not count). */
  responded = false;
  /** The final status sent, for the access log. */
  status = 0;
  /** Removed from the connection (both sides done, or reset). */
  closed = false;
  /** Reset by the client (RST_STREAM) or lost with the connection before the answer was complete. */
  aborted = false;
  /** Bytes the edge may still send on this stream (the client's window). */
  sendWindow: number;
  /** Bytes the client may still send (the edge's window). */
  recvWindow: number;
  /** Request body bytes received, checked against Content-Length. */
  receivedBytes = 0;
  body: BodyQueue | undefined;
  /** The checked request fields; undefined for a list over the limits (answered 431). */
  head: RequestHead | undefined;
  /** Response DATA waiting for window: the chunks, and whether END_STREAM follows them. */
  readonly queued: Buffer[] = [];
  queuedBytes = 0;
  endAfterQueued = false;
  /** Resolves a writer waiting for the queue to drain (a streamed response body). */
  drained: (() => void) | undefined;
  private closeListeners: (() => void)[] | undefined;

  constructor(
    readonly id: number,
    sendWindow: number,
    recvWindow: number,
  ) {
    this.sendWindow = sendWindow;
    this.recvWindow = recvWindow;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else (this.closeListeners ??= []).push(listener);
  }

  /** Called once by the connection. */
  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.drained?.();
    this.drained = undefined;
    const listeners = this.closeListeners;
    this.closeListeners = undefined;
    if (listeners !== undefined) for (const l of listeners) l();
  }
}
