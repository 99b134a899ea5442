#!/usr/bin/env node
/**
 * The baseline: the least a node:http cache can do. A Map from request URL to (header list,
 * body Buffer); a URL not in the Map is fetched once from the origin and kept (concurrent first
 * requests for one URL each fetch; the bench fills before it measures). No freshness, Vary,
 * conditionals or ranges: whatever the edge spends beyond this is its policy and plumbing.
 *
 * It sends the same bytes the edge sends for a hit: every field the origin sent (hop-by-hop ones
 * aside), then Via, Age and Cache-Status with the values an edge named `edgeworks` gives a fresh
 * hit, as fixed strings. `verifyCase` checks the field names and Via match the edge's answer, so
 * the ratio measures the edge's work rather than how many header fields each side writes.
 *
 *   node dist/loadtests/bench/plain-server.js --port 0 --origin http://127.0.0.1:8000
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);
/** What the edge adds to a fresh hit (its Age and ttl digits vary by a few bytes over a run). */
const EDGE_HIT_FIELDS = ['via', '1.1 edgeworks', 'age', '0', 'cache-status', 'edgeworks; hit; ttl=299'];

interface Entry {
  /** Flat [name, value, name, value, ...], as res.writeHead accepts. */
  headers: string[];
  body: Buffer;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, origin: { type: 'string' } } });
  const origin = values.origin;
  if (origin === undefined) throw new Error('--origin http://127.0.0.1:PORT is required');
  const pool = new Pool(origin, { connections: 16 });
  const entries = new Map<string, Entry>();

  const fill = async (url: string): Promise<Entry | undefined> => {
    const res = await pool.request({ path: url, method: 'GET' });
    const body = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) return undefined;
    const headers: string[] = [];
    for (const [name, v] of Object.entries(res.headers)) {
      if (HOP_BY_HOP.has(name)) continue;
      if (typeof v === 'string') headers.push(name, v);
      else if (Array.isArray(v)) for (const line of v) headers.push(name, line);
    }
    headers.push(...EDGE_HIT_FIELDS);
    const entry = { headers, body };
    entries.set(url, entry);
    return entry;
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const entry = entries.get(url);
    if (entry !== undefined) {
      res.writeHead(200, entry.headers);
      res.end(entry.body);
      return;
    }
    fill(url).then(
      (filled) => {
        if (filled === undefined) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end('origin did not answer 200\n');
        } else {
          res.writeHead(200, filled.headers);
          res.end(filled.body);
        }
      },
      (err: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`origin fetch failed: ${String(err)}\n`);
      },
    );
  };

  const server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 0 }, onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(values.port), '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : Number(values.port);
  process.stdout.write(`plain-server listening on http://127.0.0.1:${port} -> origin ${origin}\n`);
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`plain-server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
