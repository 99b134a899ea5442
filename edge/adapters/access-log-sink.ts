/**
 * Where the access log writes: stderr, or a file opened for appending and reopened on SIGHUP
 * so logrotate can move it away (`postrotate kill -HUP`), the way nginx's USR1 works. A file
 * that cannot be opened at start is a one-line config error; one that cannot be reopened keeps
 * the old descriptor and says so.
 */
import { closeSync, createWriteStream, openSync, type WriteStream } from 'node:fs';
import { ConfigError } from '../../common/config-loader.js';
import type { Logger } from '../../common/ports.js';
import type { AccessLogSink } from '../access-log/access-log.js';

export interface ReopenableSink extends AccessLogSink {
  reopen(): void;
  close(): Promise<void>;
}

export function openAccessLogSink(target: string, logger: Logger): ReopenableSink {
  if (target === 'stderr') {
    return {
      write: (bytes, written) => process.stderr.write(bytes, () => written()),
      onDrain: (callback) => process.stderr.once('drain', callback),
      reopen: () => {},
      close: async () => {},
    };
  }
  let fd: number;
  try {
    fd = openSync(target, 'a', 0o640);
  } catch (err) {
    throw new ConfigError(`accessLog.target: cannot open ${target} for appending: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let stream = streamOn(fd, target, logger);
  let waiting: (() => void) | undefined;
  return {
    write: (bytes, written) => stream.write(bytes, () => written()),
    onDrain: (callback) => {
      waiting = callback;
      stream.once('drain', () => {
        if (waiting === callback) waiting = undefined;
        callback();
      });
    },
    reopen: () => {
      let next: number;
      try {
        next = openSync(target, 'a', 0o640);
      } catch (err) {
        logger.log('error', 'access log not reopened; still writing to the old file', { file: target, error: (err as NodeJS.ErrnoException).code ?? String(err) });
        return;
      }
      const old = stream;
      stream = streamOn(next, target, logger);
      // Lines already handed to the old stream still land in the old (rotated) file.
      old.end();
      // A writer waiting on the old stream's drain may write to the new one straight away.
      const resume = waiting;
      waiting = undefined;
      resume?.();
      logger.log('info', 'access log reopened', { file: target });
    },
    close: () => new Promise<void>((resolve) => stream.end(resolve)),
  };
}

/**
 * Bytes the stream holds before it reports backpressure: a few flushes of a busy edge's lines
 * (about 5,000 lines of ~230 bytes per 100 ms at 50k requests/s), so a slow disk write does not
 * stop the next flush at once; the log's own queue bound still applies behind it.
 */
const STREAM_HIGH_WATER_BYTES = 4 * 1024 * 1024;

function streamOn(fd: number, file: string, logger: Logger): WriteStream {
  const stream = createWriteStream('', { fd, autoClose: true, highWaterMark: STREAM_HIGH_WATER_BYTES });
  stream.on('error', (err) => {
    logger.log('error', 'access log write failed; lines are dropped until SIGHUP reopens it', { file, error: String(err) });
    try {
      closeSync(fd);
    } catch {
      // already closed by the stream
    }
  });
  return stream;
}
