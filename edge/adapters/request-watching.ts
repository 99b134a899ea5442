/**
 * What the binary watches finished requests with: the access log when configured (its sink
 * reopened on SIGHUP for logrotate) and any other observers (the duration histograms). Returns
 * the server's watch options and a `close` that writes what is still queued.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, Logger, Timers } from '../../common/ports.js';
import { AccessLog } from '../access-log/access-log.js';
import { sequentialIds } from '../access-log/request-id.js';
import type { EdgeConfig } from '../config.js';
import { fanOut, type RequestObserver } from '../pipeline/request-events.js';
import { openAccessLogSink } from './access-log-sink.js';
import type { WatchOptions } from './watch-request.js';

export interface RequestWatching {
  watch: WatchOptions;
  accessLog: AccessLog | undefined;
  close(): Promise<void>;
}

export function startRequestWatching(
  config: Pick<EdgeConfig, 'accessLog'>,
  ports: { clock: Clock; timers: Timers; logger: Logger },
  others: readonly RequestObserver[],
): RequestWatching {
  const target = config.accessLog.target;
  const sink = target === undefined ? undefined : openAccessLogSink(target, ports.logger);
  const accessLog =
    sink === undefined
      ? undefined
      : new AccessLog({ format: config.accessLog.format, sink, timers: ports.timers, maxQueued: config.accessLog.maxQueued, flushDelayMs: config.accessLog.flushDelayMs });
  if (sink !== undefined) {
    process.on('SIGHUP', () => {
      accessLog?.flush();
      sink.reopen();
    });
  }
  const observers = accessLog === undefined ? others : [...others, accessLog];
  const observer = fanOut(observers, (err) => ports.logger.log('error', 'request observer failed', { error: String(err) }));
  return {
    watch: { observer, clock: ports.clock, makeRequestId: sequentialIds(randomBytes(4).toString('hex')), fullRecord: accessLog !== undefined },
    accessLog,
    async close() {
      accessLog?.flush();
      await sink?.close();
    },
  };
}
