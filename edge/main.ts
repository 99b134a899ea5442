#!/usr/bin/env -S node --min-semi-space-size=4 --max-semi-space-size=4
/**
 * The cdn-edge binary. The `#!` line gives the process 4 MiB semi-spaces (short scavenge pauses in
 * the hit path's p99): see young-generation.ts, which npm start and the bench use for the same flags.
 *
 * Only what reading the configuration needs is loaded before it is read; the serving code
 * (serve.ts: undici, the pipeline, the servers) is imported after, so `--help` and a bad flag
 * answer sooner (0.24-0.37 s against 0.43-0.50 s when everything was loaded first, measured here).
 */
import { loadProcessConfig } from '../common/adapters/process-config.js';
import { runMain } from '../common/adapters/run-main.js';
import { EDGE_FLAGS, EdgeConfigSchema } from './config.js';

runMain('cdn-edge', async () => {
  const loaded = loadProcessConfig('cdn-edge', 'An HTTP/1.1 and HTTP/2 (over TLS) caching reverse proxy (RFC 9111 shared cache) in front of one origin.', EdgeConfigSchema, EDGE_FLAGS);
  if (loaded === undefined) return;
  const { serveEdge } = await import('./serve.js');
  await serveEdge(loaded);
});
