/**
 * The undici adapter (with real servers on 127.0.0.1, port 0, always closed) and the simulated
 * network pass the same Transport contract (transport.contract.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import { createUndiciTransport } from '../../common/adapters/undici-transport.js';
import { SimNode } from '../../sim/kernel/node.js';
import { SimNetwork } from '../../sim/kernel/network.js';
import { Rng } from '../../sim/kernel/random.js';
import { Scheduler } from '../../sim/kernel/scheduler.js';
import { transportContract, type Answer, type SeenRequest } from './transport.contract.js';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

const closeServer = (s: Server): Promise<void> => new Promise((resolve) => s.close(() => resolve()));

transportContract('undici transport', () => {
  const transport = createUndiciTransport();
  const servers: Server[] = [];
  return {
    transport,
    async serve(handler: (req: SeenRequest) => Answer) {
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const headers: Array<[string, string]> = [];
          for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
          const a = handler({ method: req.method!, target: req.url!, headers, body: Buffer.concat(chunks) });
          res.writeHead(a.status, [...a.headers.flat(), 'content-length', String(a.body.length)]);
          res.end(a.body);
        });
      });
      servers.push(server);
      return listen(server);
    },
    async refusing() {
      // A port that was just ours and is closed again: nothing accepts there.
      const server = createServer();
      const origin = await listen(server);
      await closeServer(server);
      return origin;
    },
    settle: (p) => p,
    async close() {
      await transport.close();
      await Promise.all(servers.map(closeServer));
    },
  };
});

transportContract('simulated network', () => {
  const scheduler = new Scheduler();
  const network = new SimNetwork(scheduler, new Rng(1), { intraRegion: { baseMs: 1, jitterMs: 1 }, interRegion: { baseMs: 40, jitterMs: 10 }, toOrigin: { baseMs: 30, jitterMs: 10 }, toControlPlane: { baseMs: 30, jitterMs: 10 }, lossRate: 0, duplicateRate: 0 });
  const client = new SimNode('client', 'edge', 'r', 'client.sim', scheduler);
  network.addNode(client);
  let hosts = 0;
  return {
    transport: network.transportFor(client),
    async serve(handler) {
      const node = new SimNode(`s${++hosts}`, 'origin', 'origin', `s${hosts}.sim`, scheduler);
      network.addNode(node);
      network.serve(node, (wire) => {
        const a = handler({ method: wire.method, target: wire.target, headers: wire.headers, body: Buffer.from(wire.body ?? new Uint8Array()) });
        return { status: a.status, headers: [...a.headers, ['content-length', String(a.body.length)]], chunks: a.body.length > 0 ? [a.body] : [] };
      });
      return node.url;
    },
    async refusing() {
      // A machine that is down refuses connections, as a host with nothing listening does.
      const node = new SimNode(`s${++hosts}`, 'origin', 'origin', `s${hosts}.sim`, scheduler);
      network.addNode(node);
      node.crash();
      return node.url;
    },
    async settle(p) {
      let done = false;
      const watched = p.finally(() => (done = true));
      for (let i = 0; i < 600 && !done; i++) await scheduler.run(scheduler.now() + 100);
      return watched;
    },
    close: async () => undefined,
  };
});

test.run();
