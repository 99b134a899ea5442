/**
 * What cdn-control-plane runs once its configuration has been read (main.ts): locks --data-dir,
 * opens (and replays) the purge log in it, or the etcd store, then serves the admin API and edge
 * streams. SIGTERM ends the streams (edges reconnect and resume), waits for in-flight appends to
 * reach the disk and exits. SIGHUP re-reads --token-file.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createJsonLogger } from '../common/adapters/json-logger.js';
import { systemClock, systemTimers } from '../common/adapters/system-clock.js';
import { openEtcdPurgeLog, type OpenedStore } from './adapters/open-purge-log.js';
import { ConfigError } from '../common/config-loader.js';
import { lockDataDir } from './adapters/data-dir-lock.js';
import { PROGRAM, StartRefused } from './program.js';
import { FileLogStorage } from './adapters/file-log-storage.js';
import { createControlPlaneServer, listen } from './adapters/http-server.js';
import { createControlPlaneMetrics } from './adapters/metrics.js';
import type { ControlPlaneConfig } from './config.js';
import { ControlPlane } from './control-plane.js';
import { Credentials, parseTokenFile, type TokenSet } from './credentials.js';
import { describeOpenReport } from './log/open-report.js';
import { DurablePurgeLog, PurgeLogError, type PurgeLog } from './purge-log.js';

export async function serveControlPlane(config: ControlPlaneConfig): Promise<void> {
  const logger = createJsonLogger(PROGRAM, config.logLevel);
  const tokens = resolveTokens(config);
  const credentials = new Credentials(tokens.set);

  // The file store (one process) or the etcd store (replicas sharing one log); the rest is the same.
  let log: PurgeLog;
  let storage: FileLogStorage | undefined;
  let etcdStore: OpenedStore | undefined;
  if (config.store === 'etcd') {
    etcdStore = await openEtcdPurgeLog(config, { clock: systemClock, timers: systemTimers, logger }, tokens.set.admin[0]!);
    log = etcdStore.log;
    logger.log('info', 'purge log opened', { store: 'etcd', where: etcdStore.where, logId: log.logId(), lastSeq: log.lastSeq(), oldestRetainedSeq: log.oldestRetainedSeq() });
  } else {
    if (config.dataDir === undefined) throw new ConfigError('dataDir: is required (set --data-dir or CONTROL_PLANE_DATA_DIR)');
    storage = await FileLogStorage.create(config.dataDir);
    const lock = await lockDataDir(config.dataDir);
    if (!lock.ok) throw new StartRefused(lock.message);
    process.on('exit', () => lock.release());

    let fileLog: DurablePurgeLog;
    try {
      fileLog = await DurablePurgeLog.open(storage, {
        retainCount: config.log.retainCount,
        maxPendingAppends: config.log.maxPendingAppends,
        newLogId: () => randomBytes(8).toString('hex'),
      });
    } catch (err) {
      if (err instanceof PurgeLogError && err.code === 'corrupt') {
        throw new StartRefused(`${storage.path}: ${err.message}; keep the good prefix with: ${PROGRAM} repair --data-dir ${config.dataDir}`);
      }
      throw err;
    }
    const opened = describeOpenReport(fileLog.report, fileLog.logId());
    if (opened !== undefined) logger.log('warn', opened, { path: storage.path });
    logger.log('info', 'purge log replayed', { path: storage.path, logId: fileLog.logId(), lastSeq: fileLog.lastSeq(), oldestRetainedSeq: fileLog.oldestRetainedSeq() });
    log = fileLog;
  }

  const cp = new ControlPlane({
    clock: systemClock,
    timers: systemTimers,
    log,
    logger,
    config,
    credentials,
    ...(etcdStore?.reports === undefined ? {} : { reports: etcdStore.reports }),
    ...(etcdStore?.leases === undefined ? {} : { leases: etcdStore.leases }),
  });
  await etcdStore?.reports?.start((report) => cp.applyRemoteReport(report));
  // Before edges can connect: a replica that takes over knows which edges hold leases.
  await etcdStore?.leases?.start((grant) => cp.applyRemoteLease(grant));
  const metrics = createControlPlaneMetrics(cp, log, storage);
  if (storage !== undefined) storage.observeSync = metrics.observeSync;
  const server = createControlPlaneServer(cp, logger, {
    maxBodyBytes: config.limits.maxBodyBytes,
    maxReportBodyBytes: config.limits.maxReportBodyBytes,
    headersTimeoutMs: config.limits.headersTimeoutMs,
    bodyTimeoutMs: config.limits.bodyTimeoutMs,
    maxHeaderBytes: config.limits.maxHeaderBytes,
    metrics,
  });
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
      (etcdStore !== undefined ? etcdStore.close() : log.close()).then(
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
  process.on('SIGHUP', () => {
    if (config.tokenFile === undefined) {
      logger.log('warn', 'SIGHUP: no --token-file to reload; tokens unchanged');
      return;
    }
    try {
      credentials.replace(readTokenFile(config.tokenFile));
      logger.log('info', 'SIGHUP: tokens reloaded', { tokenFile: config.tokenFile });
    } catch (err) {
      logger.log('error', `SIGHUP: ${(err as Error).message}; keeping the tokens in use`, { tokenFile: config.tokenFile });
    }
  });

  const hostInUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  etcdStore?.advertise?.(`http://${hostInUrl}:${port}`);
  process.stdout.write(`${PROGRAM} listening on http://${hostInUrl}:${port} (${tokens.note}; log ${log.logId()} at seq ${log.lastSeq()})\n`);
}

/** Tokens from --token-file, or --token/--edge-token, generating (and printing) any not given. */
function resolveTokens(config: ControlPlaneConfig): { set: TokenSet; note: string } {
  if (config.tokenFile !== undefined) {
    if (config.token !== undefined || config.edgeToken !== undefined) throw new ConfigError('tokenFile: give either --token-file or --token/--edge-token, not both');
    return { set: readTokenFile(config.tokenFile), note: `tokens from ${config.tokenFile}` };
  }
  const admin = config.token ?? randomBytes(16).toString('hex');
  const edge = config.edgeToken ?? randomBytes(16).toString('hex');
  // A token the operator chose is not echoed; a generated one must be, or nobody could use it.
  const notes = [config.token === undefined ? `generated token: ${admin}` : 'token as configured', config.edgeToken === undefined ? `generated edge token: ${edge}` : 'edge token as configured'];
  return { set: { admin: [admin], edge: [edge] }, note: notes.join('; ') };
}

function readTokenFile(path: string): TokenSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`tokenFile: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const parsed = parseTokenFile(text);
  if (!parsed.ok) throw new ConfigError(`tokenFile: ${path} ${parsed.message}`);
  return parsed.tokens;
}
