/**
 * Which HTTP/1.1 layer serves the edge's clients: `node` (node:http, node-server.ts) or `own`
 * (http1/server.ts). Both hand raw method, target and headers to `edge.handle`, and both offer the
 * same few server methods the binary and the test harnesses use.
 */
import type { Server as NetServer } from 'node:net';
import type { Clock, Logger, Timers } from '../../common/ports.js';
import type { Edge } from '../pipeline/edge.js';
import { Http1Server } from './http1/server.js';
import { createEdgeServer, type EdgeServerOptions } from './node-server.js';

export type HttpServerKind = 'own' | 'node';

export type EdgeListener = NetServer & { closeIdleConnections(): void; closeAllConnections(): void };

export function createEdgeListener(
  kind: HttpServerKind,
  edge: Pick<Edge, 'handle'>,
  ports: { logger: Logger; timers: Timers; clock: Clock },
  options: EdgeServerOptions,
): EdgeListener {
  if (kind === 'node') return createEdgeServer(edge as Edge, ports.logger, options);
  return new Http1Server((req) => edge.handle(req), { ...options, ...ports });
}

export function parseHttpServerKind(raw: string | undefined, fallback: HttpServerKind): HttpServerKind {
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'own' || raw === 'node') return raw;
  throw new Error(`expected own or node, got ${JSON.stringify(raw)}`);
}
