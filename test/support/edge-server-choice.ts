/**
 * The edge server the harnesses start: the own HTTP/1.1 layer, as the binary's default, or
 * node:http with EDGE_TEST_HTTP_SERVER=node (`EDGE_TEST_HTTP_SERVER=node npm test` runs the whole
 * suite on it).
 */
import { systemClock, systemTimers } from '../../common/adapters/system-clock.js';
import type { Logger } from '../../common/ports.js';
import { createEdgeListener, parseHttpServerKind, type EdgeListener } from '../../edge/adapters/edge-listener.js';
import type { EdgeServerOptions } from '../../edge/adapters/node-server.js';
import type { Edge } from '../../edge/pipeline/edge.js';

export const TEST_HTTP_SERVER = parseHttpServerKind(process.env['EDGE_TEST_HTTP_SERVER'], 'own');

export function createTestEdgeServer(edge: Pick<Edge, 'handle'>, logger: Logger, options: EdgeServerOptions): EdgeListener {
  return createEdgeListener(TEST_HTTP_SERVER, edge, { logger, timers: systemTimers, clock: systemClock }, options);
}
