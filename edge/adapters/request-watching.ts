/**
 * What the binary watches finished requests with: the access log when configured (its sink
 * reopened on SIGHUP for logrotate) and any other observers (the duration histograms). Returns
 * the server's watch options and a `close` that writes what is still queued.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, Logger, Timers } from '../../common/ports.js';
import { AccessLog } from '../access-log/access-log.js';
import { requestNumbers } from '../access-log/request-id.js';
import { WallFromMono } from '../access-log/wall-from-mono.js';
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
  // The edge's own request ids are `<prefix>-<number>`: random per process, so two runs' ids differ.
  const requestIdPrefix = randomBytes(4).toString('hex');
  const accessLog =
    sink === undefined
      ? undefined
      : new AccessLog({ format: config.accessLog.format, sink, timers: ports.timers, maxQueued: config.accessLog.maxQueued, flushDelayMs: config.accessLog.flushDelayMs, requestIdPrefix });
  if (sink !== undefined) {
    process.on('SIGHUP', () => {
      accessLog?.flush();
      sink.reopen();
    });
  }
  // Log times from the monotonic reading each request takes anyway (wall-from-mono.ts).
  const wall = new WallFromMono(ports.clock);
  const observers = accessLog === undefined ? others : [...others, accessLog];
  const observer = fanOut(observers, (err) => ports.logger.log('error', 'request observer failed', { error: String(err) }));
  return {
    watch: {
      observer,
      clock: ports.clock,
      makeRequestId: requestNumbers(),
      fullRecord: accessLog !== undefined,
      wallAt: (monoMs) => wall.wallAt(monoMs),
      agentFields: config.accessLog.format === 'combined',
    },
    accessLog,
    async close() {
      accessLog?.flush();
      await sink?.close();
    },
  };
}
