/**
 * An origin whose answers the test releases: every request is held until `release()`, so a test
 * can make the origin as slow as it likes without any real latency, and knows exactly how many
 * requests are at the origin at once.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeldOrigin {
  url: string;
  /** Requests that have arrived so far. */
  arrived(): number;
  /** Most requests held at once. */
  maxConcurrent(): number;
  /** Resolves once `n` requests have arrived. */
  waitForArrivals(n: number): Promise<void>;
  /** Answers every held request (200, cacheable, body names the target). */
  release(): void;
  close(): Promise<void>;
}

export async function startHeldOrigin(): Promise<HeldOrigin> {
  let arrived = 0;
  let maxConcurrent = 0;
  const held: Array<{ res: ServerResponse; target: string }> = [];
  const watchers: Array<{ n: number; resolve: () => void }> = [];
  const server = createServer((req, res) => {
    arrived++;
    held.push({ res, target: req.url ?? '/' });
    maxConcurrent = Math.max(maxConcurrent, held.length);
    for (const w of watchers.filter((x) => arrived >= x.n)) {
      watchers.splice(watchers.indexOf(w), 1);
      w.resolve();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived: () => arrived,
    maxConcurrent: () => maxConcurrent,
    waitForArrivals: (n) => (arrived >= n ? Promise.resolve() : new Promise((resolve) => watchers.push({ n, resolve }))),
    release() {
      for (const { res, target } of held.splice(0)) {
        const body = `held ${target}\n`;
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=300', 'content-length': String(body.length) }).end(body);
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
