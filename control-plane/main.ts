#!/usr/bin/env node
/**
 * The cdn-control-plane binary: locks --data-dir, opens (and replays) the purge log in it, then
 * serves the admin API and edge streams. SIGTERM ends the streams (edges reconnect and resume),
 * waits for in-flight appends to reach the disk and exits. SIGHUP re-reads --token-file.
 *
 * `cdn-control-plane repair --data-dir DIR` cuts a damaged log back to its good prefix.
 *
 * Only what reading the configuration needs is loaded before it is read; the serving code
 * (serve.ts) and the repair command are imported after, so `--help` and a bad flag answer without
 * loading the log, the stores and the servers.
 */
import { loadProcessConfig } from '../common/adapters/process-config.js';
import { runMain } from '../common/adapters/run-main.js';
import { CONTROL_PLANE_FLAGS, ControlPlaneConfigSchema } from './config.js';
import { PROGRAM } from './program.js';

runMain(PROGRAM, async () => {
  if (process.argv[2] === 'repair') {
    const { repair } = await import('./repair-command.js');
    return repair(process.argv.slice(3));
  }
  const config = loadProcessConfig(PROGRAM, 'Durable ordered purge log, push streams to edges, leases, receipts and region health.', ControlPlaneConfigSchema, CONTROL_PLANE_FLAGS);
  if (config === undefined) return;
  const { serveControlPlane } = await import('./serve.js');
  await serveControlPlane(config);
});
