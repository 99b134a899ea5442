/**
 * The edge server the harnesses start: node:http by default, the own HTTP/1.1 layer with
 * EDGE_TEST_HTTP_SERVER=own (`EDGE_TEST_HTTP_SERVER=own npm test` runs the whole suite on it).
 */
import { systemClock, systemTimers } from '../../common/adapters/system-clock.js';
import type { Logger } from '../../common/ports.js';
import { createEdgeListener, parseHttpServerKind, type EdgeListener } from '../../edge/adapters/edge-listener.js';
import type { EdgeServerOptions } from '../../edge/adapters/node-server.js';
import type { Edge } from '../../edge/pipeline/edge.js';

export const TEST_HTTP_SERVER = parseHttpServerKind(process.env['EDGE_TEST_HTTP_SERVER'], 'node');

export function createTestEdgeServer(edge: Pick<Edge, 'handle'>, logger: Logger, options: EdgeServerOptions): EdgeListener {
  return createEdgeListener(TEST_HTTP_SERVER, edge, { logger, timers: systemTimers, clock: systemClock }, options);
}
