/** The admin port: /metrics (Prometheus text) and /healthz, both behind a bearer token. */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface AdminOptions {
  token: string;
  registry: Registry;
  health: () => { ok: boolean; detail: Record<string, unknown> };
}

export function createAdminServer(options: AdminOptions): Server {
  const expected = Buffer.from(`Bearer ${options.token}`);
  return createServer((req, res) => {
    const given = Buffer.from(req.headers['authorization'] ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end(JSON.stringify({ error: 'missing or wrong bearer token: send Authorization: Bearer <admin token>' }));
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      options.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': options.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      const health = options.health();
      res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: health.ok ? 'ok' : 'unhealthy', ...health.detail }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `no admin endpoint ${req.method} ${path}; try GET /metrics or GET /healthz` }));
  });
}
