/**
 * The admin port: /metrics (Prometheus text), /healthz and PUT /membership behind a bearer token,
 * and /livez and /readyz without one, for load balancers and orchestrators: they answer only
 * up/ready (200) or not ready (503), nothing about the edge's state.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Value } from '@sinclair/typebox/value';
import { checkBody } from '../../common/control-protocol.js';
import { readRequestBody } from '../../common/adapters/read-request-body.js';
import { MembershipSchema } from '../config.js';
import type { RingMember } from '../routing/ring.js';
import type { Registry } from 'prom-client';

export interface AdminOptions {
  token: string;
  registry: Registry;
  health: () => { ok: boolean; detail: Record<string, unknown> };
  /** Installs a ring membership; absent when the edge runs without a cluster. */
  setMembers?: (members: RingMember[]) => void;
  /** False while starting or shutting down: /readyz answers 503. Absent: always ready. */
  ready?: () => boolean;
}

const MAX_ADMIN_BODY_BYTES = 64 * 1024;

export function createAdminServer(options: AdminOptions): Server {
  const expected = Buffer.from(`Bearer ${options.token}`);
  return createServer((req, res) => {
    const probe = (req.url ?? '/').split('?')[0];
    if ((req.method === 'GET' || req.method === 'HEAD') && (probe === '/livez' || probe === '/readyz')) {
      const ok = probe === '/livez' || (options.ready?.() ?? true);
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : ok ? (probe === '/livez' ? 'up\n' : 'ready\n') : 'not ready\n');
      return;
    }
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
    if (req.method === 'PUT' && path === '/membership') {
      readJson(req, MAX_ADMIN_BODY_BYTES).then(
        (body) => {
          if (options.setMembers === undefined) return send(res, 409, { error: 'this edge runs without --peers; membership cannot change' });
          const withDefaults = Value.Default(MembershipSchema, body);
          const checked = checkBody(MembershipSchema, withDefaults);
          if (!checked.ok) return send(res, 400, { error: checked.message, field: checked.field });
          options.setMembers(checked.value.members);
          return send(res, 200, { members: checked.value.members.length });
        },
        (err: unknown) => send(res, 400, { error: (err as Error).message }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `no admin endpoint ${req.method} ${path}; try GET /metrics, GET /healthz, PUT /membership, GET /livez or GET /readyz` }));
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    readRequestBody(req, maxBytes, (body) => {
      if (body === 'too-large') return reject(new Error(`body larger than ${maxBytes} bytes`));
      try {
        resolve(JSON.parse(Buffer.from(body ?? new Uint8Array()).toString('utf8')));
      } catch {
        reject(new Error('body is not valid JSON'));
      }
    });
  });
}

