/**
 * The local region's orchestrator: a tiny admin API (bearer token) that adds an edge to the
 * running region, so load tests can watch a scale-out. It starts the edge with the grown
 * membership and pushes that membership to every running edge's admin port.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { request } from 'undici';

export interface RegionEdge {
  id: string;
  port: number;
  adminPort: number;
}

export interface OrchestratorOptions {
  token: string;
  edges: RegionEdge[];
  /** Starts the given edge with the given full membership (`id=url,...`). */
  startEdge(edge: RegionEdge, peers: string): Promise<void>;
  /** Called after the region changed, e.g. to rewrite the region file. */
  changed(): void;
}

export const MAX_EDGES = 8;

export function peersOf(edges: readonly RegionEdge[]): string {
  return edges.map((e) => `${e.id}=http://127.0.0.1:${e.port}`).join(',');
}

export function createOrchestrator(o: OrchestratorOptions): Server {
  const expected = Buffer.from(`Bearer ${o.token}`);
  let busy = false;
  return createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const given = Buffer.from(req.headers['authorization'] ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return send(401, { error: 'send Authorization: Bearer <region token>' });
    if (req.method === 'GET' && req.url === '/edges') return send(200, { edges: o.edges.map((e) => ({ id: e.id, url: `http://127.0.0.1:${e.port}` })) });
    if (req.method !== 'POST' || req.url !== '/edges') return send(404, { error: 'try GET /edges or POST /edges' });
    if (busy) return send(409, { error: 'an edge is already being added' });
    if (o.edges.length >= MAX_EDGES) return send(409, { error: `the local region holds at most ${MAX_EDGES} edges` });
    busy = true;
    const last = o.edges[o.edges.length - 1]!;
    const edge: RegionEdge = { id: `e${o.edges.length + 1}`, port: last.port + 1, adminPort: last.adminPort + 1 };
    const grown = [...o.edges, edge];
    const members = grown.map((e) => ({ id: e.id, url: `http://127.0.0.1:${e.port}`, weight: 1 }));
    o.startEdge(edge, peersOf(grown))
      .then(async () => {
        for (const existing of o.edges) {
          const answer = await request(`http://127.0.0.1:${existing.adminPort}/membership`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ members }),
          });
          await answer.body.dump();
          if (answer.statusCode !== 200) throw new Error(`${existing.id} refused the membership: ${answer.statusCode}`);
        }
        o.edges.push(edge);
        o.changed();
        send(201, { id: edge.id, url: `http://127.0.0.1:${edge.port}` });
      })
      .catch((err: unknown) => send(500, { error: (err as Error).message }))
      .finally(() => {
        busy = false;
      });
  });
}
