#!/usr/bin/env node
/**
 * The cdn-control-plane binary: opens (and replays) the purge log in --data-dir, then serves the
 * admin API and edge streams. SIGTERM ends the streams (edges reconnect and resume), waits for
 * in-flight appends to reach the disk and exits.
 */
import { randomBytes } from 'node:crypto';
import { createJsonLogger } from '../common/adapters/json-logger.js';
import { runMain } from '../common/adapters/run-main.js';
import { systemClock, systemTimers } from '../common/adapters/system-clock.js';
import { openPurgeLog } from './adapters/open-purge-log.js';
import { createControlPlaneServer, listen } from './adapters/http-server.js';
import { CONTROL_PLANE_FLAGS, ControlPlaneConfigSchema } from './config.js';
import { ControlPlane } from './control-plane.js';
import { loadProcessConfig } from '../common/adapters/process-config.js';

const PROGRAM = 'cdn-control-plane';

runMain(PROGRAM, async () => {
  const config = loadProcessConfig(PROGRAM, 'Durable ordered purge log, push streams to edges, leases, receipts and region health.', ControlPlaneConfigSchema, CONTROL_PLANE_FLAGS);
  if (config === undefined) return;
  const logger = createJsonLogger(PROGRAM, config.logLevel);
  const token = config.token ?? randomBytes(16).toString('hex');

  const store = await openPurgeLog(config, { clock: systemClock, timers: systemTimers, logger }, token);
  const log = store.log;
  logger.log('info', 'purge log opened', { store: config.store, where: store.where, logId: log.logId(), lastSeq: log.lastSeq(), oldestRetainedSeq: log.oldestRetainedSeq() });

  const cp = new ControlPlane({ clock: systemClock, timers: systemTimers, log, logger, config, token, ...(store.reports === undefined ? {} : { reports: store.reports }) });
  await store.reports?.start((report) => cp.applyRemoteReport(report));
  const server = createControlPlaneServer(cp, logger, { maxBodyBytes: config.limits.maxBodyBytes });
  const port = await listen(server, config.port, config.host);
  // Handlers go in before the listening line: a supervisor may signal as soon as it reads it.
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.log('info', 'shutting down', { signal });
    cp.close();
    // Let in-flight requests get their answers, then wait for the last group commit.
    server.close(() => {
      store.close().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`${PROGRAM}: closing the purge log failed: ${(err as Error).message}\n`);
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
    // Past the grace period: acknowledged purges are on disk already, so exiting loses nothing.
    setTimeout(() => {
      server.closeAllConnections();
      process.exit(0);
    }, config.shutdownGraceMs).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  const hostInUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  store.advertise?.(`http://${hostInUrl}:${port}`);
  // A token the operator chose is not echoed; a generated one must be, or nobody could use it.
  const tokenNote = config.token === undefined ? `generated token: ${token}` : 'token as configured';
  process.stdout.write(`${PROGRAM} listening on http://${hostInUrl}:${port} (${tokenNote}; log ${log.logId()} at seq ${log.lastSeq()})\n`);
});
