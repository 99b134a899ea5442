/**
 * Reading accepted connections through one reused buffer (Node's `onread: { buffer, callback }`
 * socket option) instead of a new Buffer per read pushed through the Readable stream machinery.
 * Under wrk that machinery and the per-read Buffer were most of the JS heap a hit allocated, and
 * the young generation's scavenges land in the p99 (issue 16).
 *
 * Node 20 offers `onread` only when a Socket is constructed, and net.Server constructs the sockets
 * it accepts without it. So the server accepts with `pauseOnConnect` (the handle is not reading
 * yet), and the handle moves to a new Socket built with `onread`. The accepted Socket stays as an
 * empty shell until the new one closes and is then destroyed: that keeps net.Server's connection
 * count (server.close waits for it) right. `_handle` is not public API, so every step is checked
 * and anything unexpected returns undefined: the caller serves the accepted socket the normal way.
 *
 * The bytes handed to `onBytes` live in the shared buffer only until the callback returns: the
 * next read of any connection on the server overwrites them. The receiver copies what it keeps.
 */
import { Socket } from 'node:net';

/** Node's own read size per libuv read callback (64 KiB): one buffer this size serves every connection. */
export const REUSED_READ_BUFFER_BYTES = 64 * 1024;

interface StreamHandle {
  readStart(): number;
  readStop(): number;
}

function isStreamHandle(h: unknown): h is StreamHandle {
  return typeof h === 'object' && h !== null && typeof (h as StreamHandle).readStart === 'function' && typeof (h as StreamHandle).readStop === 'function';
}

/**
 * A Socket reading `accepted`'s connection into `buffer`, calling `onBytes` with a view of each
 * read; undefined when that is not possible (not a plain accepted TCP socket, or Node's internals
 * differ). `accepted` must come from a server with `pauseOnConnect: true` and must not have read.
 */
export function adoptWithReusedBuffer(accepted: Socket, buffer: Buffer, onBytes: (bytes: Buffer) => void): Socket | undefined {
  const shell = accepted as Socket & { _handle?: unknown };
  const handle = shell._handle;
  if (!isStreamHandle(handle) || accepted.bytesRead !== 0 || accepted.destroyed) return undefined;
  let socket: Socket;
  try {
    shell._handle = null;
    socket = new Socket({
      handle,
      readable: true,
      writable: true,
      allowHalfOpen: accepted.allowHalfOpen,
      onread: { buffer, callback: (n: number, buf: Uint8Array) => void onBytes((buf as Buffer).subarray(0, n)) },
    } as ConstructorParameters<typeof Socket>[0]);
  } catch {
    shell._handle = handle;
    return undefined;
  }
  // The shell holds no handle now: destroying it only settles net.Server's connection count.
  socket.once('close', () => accepted.destroy());
  return socket;
}
