#!/usr/bin/env node
/**
 * `cdn-origin`: the synthetic origin as a real HTTP server. Flags, env and an optional JSON
 * config file go through the shared loader; bad input is one line on stderr and exit code 2.
 */
import { randomBytes } from 'node:crypto';
import type { FlagSpec } from '../common/config-loader.js';
import { runMain } from '../common/adapters/run-main.js';
import { systemClock, systemRandom } from '../common/adapters/system-clock.js';
import { startOriginServer } from './adapters/node-server.js';
import { createOrigin } from './handler.js';
import { OriginConfigSchema } from './schema.js';
import { loadProcessConfig } from '../common/adapters/process-config.js';

const PROGRAM = 'cdn-origin';

const flags: readonly FlagSpec[] = [
  { flag: 'host', field: 'host', type: 'string', env: 'ORIGIN_HOST', help: 'address to listen on (default 127.0.0.1)' },
  { flag: 'port', field: 'port', type: 'integer', env: 'ORIGIN_PORT', help: 'port to listen on, 0 for any (default 8000)' },
  { flag: 'admin-token', field: 'adminToken', type: 'string', env: 'ORIGIN_ADMIN_TOKEN', help: 'bearer token for /_admin/* (default: random, printed at start)' },
  { flag: 'latency-ms', field: 'latencyMs', type: 'number', env: 'ORIGIN_LATENCY_MS', help: 'delay before every object answer (default 0)' },
  { flag: 'failure-rate', field: 'failureRate', type: 'number', env: 'ORIGIN_FAILURE_RATE', help: 'chance 0..1 that an object request gets a 503 (default 0)' },
];

runMain(PROGRAM, async () => {
  const config = loadProcessConfig(
    PROGRAM,
    'A synthetic origin whose caching headers, versions and failures tests control per request.',
    OriginConfigSchema,
    flags,
  );
  if (config === undefined) return;
  const configured = config.adminToken;
  const adminToken = configured ?? randomBytes(16).toString('hex');
  const origin = createOrigin({ clock: systemClock, random: systemRandom, config: { ...config, adminToken } });
  const server = await startOriginServer(origin, { host: config.host, port: config.port });
  // A token the operator chose is not echoed into logs; a generated one must be, or nobody could use it.
  const tokenNote = configured === undefined ? adminToken : 'as configured';
  process.stdout.write(`${PROGRAM} listening on ${server.url} (admin token: ${tokenNote})\n`);

  const shutdown = (): void => {
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`${PROGRAM}: close failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
});
