/**
 * The local region's orchestrator: a tiny admin API (bearer token) that adds an edge to the
 * running region, so load tests can watch a scale-out.
 *
 * Membership has one source of truth. With a control plane (what `npm start` runs), the ring
 * comes from the control plane alone: the orchestrator starts the new edge pointed at it, the
 * edge registers itself there with its first heartbeat, the control plane pushes the grown
 * membership to every edge's stream, and the orchestrator answers once the control plane lists
 * the new edge as a healthy member. It never pushes a ring to an admin port: a second ring
 * arriving from elsewhere is what reset the new edge's handoff window (issue #14). Without a
 * control plane, membership comes from flags and `PUT /membership`, so the orchestrator pushes
 * the grown ring to every running edge's admin port.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { request } from 'undici';

export interface RegionEdge {
  id: string;
  /** Base URL clients and peers reach the edge at. */
  url: string;
  /** Base URL of its admin port. */
  adminUrl: string;
}

export interface OrchestratorOptions {
  token: string;
  edges: RegionEdge[];
  /**
   * Starts edge `id` with a bootstrap ring of `existing` plus itself and resolves once it
   * listens. With a control plane, the edge replaces that ring with the control plane's.
   */
  startEdge(id: string, existing: readonly RegionEdge[]): Promise<RegionEdge>;
  /** Present when the region runs a control plane: then it alone decides membership. */
  controlPlane?: { url: string; token: string; region: string };
  /** How long a new edge has to show up healthy at the control plane (default 30000). */
  registerTimeoutMs?: number;
  /** Called after the region changed, e.g. to rewrite the region file. */
  changed(): void;
}

export const MAX_EDGES = 8;

export function peersOf(edges: readonly { id: string; url: string }[]): string {
  return edges.map((e) => `${e.id}=${e.url}`).join(',');
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
    if (req.method === 'GET' && req.url === '/edges') return send(200, { edges: o.edges.map((e) => ({ id: e.id, url: e.url })) });
    if (req.method !== 'POST' || req.url !== '/edges') return send(404, { error: 'try GET /edges or POST /edges' });
    if (busy) return send(409, { error: 'an edge is already being added' });
    if (o.edges.length >= MAX_EDGES) return send(409, { error: `the local region holds at most ${MAX_EDGES} edges` });
    busy = true;
    const id = `e${o.edges.length + 1}`;
    o.startEdge(id, [...o.edges])
      .then(async (edge) => {
        if (o.controlPlane !== undefined) await waitUntilMember(o.controlPlane, edge.id, o.registerTimeoutMs ?? 30_000);
        else await pushMembership(o.token, o.edges, [...o.edges, edge]);
        o.edges.push(edge);
        o.changed();
        send(201, { id: edge.id, url: edge.url });
      })
      .catch((err: unknown) => send(500, { error: (err as Error).message }))
      .finally(() => {
        busy = false;
      });
  });
}

/** Polls the control plane's `GET /edges` until `id` is a healthy member of the region. */
async function waitUntilMember(cp: { url: string; token: string; region: string }, id: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await request(`${cp.url}/edges`, { headers: { authorization: `Bearer ${cp.token}` } });
    if (answer.statusCode !== 200) {
      await answer.body.dump();
      throw new Error(`control plane answered ${answer.statusCode} to GET /edges`);
    }
    const { edges } = (await answer.body.json()) as { edges: Array<{ id: string; region: string; url: string; health: string }> };
    if (edges.some((e) => e.id === id && e.region === cp.region && e.url !== '' && e.health === 'healthy')) return;
    if (Date.now() > deadline) throw new Error(`${id} did not register with the control plane within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Without a control plane: the grown ring goes to every running edge's admin port. */
async function pushMembership(token: string, running: readonly RegionEdge[], grown: readonly RegionEdge[]): Promise<void> {
  const members = grown.map((e) => ({ id: e.id, url: e.url, weight: 1 }));
  for (const existing of running) {
    const answer = await request(`${existing.adminUrl}/membership`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ members }),
    });
    await answer.body.dump();
    if (answer.statusCode !== 200) throw new Error(`${existing.id} refused the membership: ${answer.statusCode}`);
  }
}
