/**
 * The real edge (node:http adapter, undici transport, production defaults from the config
 * schema) in front of a ScriptedOrigin, both on loopback port 0 and sharing one FakeClock.
 * Unlike startHarness, the origin here is the conformance suite's scripted test server.
 */
import type { AddressInfo } from 'node:net';
import { systemTimers } from '../../common/adapters/system-clock.js';
import { createUndiciTransport } from '../../common/adapters/undici-transport.js';
import type { Logger } from '../../common/ports.js';
import { createTestEdgeServer } from './edge-server-choice.js';
import { createEdge, edgeConfigWithDefaults } from '../../edge/create-edge.js';
import { Edge, type EdgeOptions } from '../../edge/pipeline/edge.js';
import { FakeClock } from './fake-clock.js';
import { startScriptedOrigin, type ScriptedOrigin } from './scripted-origin.js';

const silent: Logger = { log: () => undefined };

export interface ScriptedEdgeHarness {
  clock: FakeClock;
  edge: Edge;
  edgeUrl: string;
  origin: ScriptedOrigin;
  close(): Promise<void>;
}

export interface ScriptedEdgeOptions {
  /** Shared by edge and origin; a fresh FakeClock when absent. */
  clock?: FakeClock;
  /** Send the edge somewhere else than the scripted origin it starts (the origin still starts). */
  originUrl?: string;
  overrides?: Partial<EdgeOptions>;
}

export async function startScriptedEdge(options: ScriptedEdgeOptions = {}): Promise<ScriptedEdgeHarness> {
  const clock = options.clock ?? new FakeClock();
  const origin = await startScriptedOrigin(clock);
  const transport = createUndiciTransport();
  const base = createEdge(edgeConfigWithDefaults({ origin: options.originUrl ?? origin.url }), {
    clock,
    timers: systemTimers,
    transport,
    logger: silent,
  });
  const edge = options.overrides === undefined ? base : new Edge({ ...base.options, ...options.overrides });
  const server = createTestEdgeServer(edge, silent, { keepAliveTimeoutMs: 5000, headersTimeoutMs: 10_000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const edgeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    clock,
    edge,
    edgeUrl,
    origin,
    async close() {
      try {
        await edge.settled();
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await origin.close();
        await transport.close();
      }
    },
  };
}
