/** /livez and /readyz on the admin port: no token, nothing revealed but up/ready; readiness latches and drains. */
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAdminServer } from '../../../edge/adapters/admin-server.js';
import { Readiness } from '../../../edge/adapters/readiness.js';

test('probes answer without a token and say only up, ready or not ready', async () => {
  let ready = false;
  const server = createAdminServer({ token: 'probe-test-token-0123456789', registry: new Registry(), health: () => ({ ok: true, detail: { secret: 'internal' } }), ready: () => ready });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path: string, method: 'GET' | 'HEAD' = 'GET') => {
    const res = await request(`${base}${path}`, { method });
    return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
  };
  try {
    // Status and body only: the headers of two answers differ in Date whenever a second turns between them.
    const live = await get('/livez');
    assert.equal({ status: live.status, body: live.body }, { status: 200, body: 'up\n' });
    assert.is((await get('/readyz')).status, 503);
    assert.is((await get('/readyz')).body, 'not ready\n');
    ready = true;
    assert.is((await get('/readyz')).body, 'ready\n');
    assert.is((await get('/readyz', 'HEAD')).status, 200);
    assert.is((await get('/livez?verbose=1')).body, 'up\n', 'no query reveals more');
    assert.is((await get('/healthz')).status, 401, 'everything else still needs the token');
    assert.is((await get('/metrics')).status, 401);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('readiness: not ready until the edge can serve, then ready (losing the control plane later does not change that) until shutdown', () => {
  let serving = false;
  const r = new Readiness(() => serving);
  assert.is(r.ready(), false);
  serving = true;
  assert.is(r.ready(), true);
  serving = false; // the lease ran out: the edge still serves, revalidating
  assert.is(r.ready(), true);
  r.stopping();
  assert.is(r.ready(), false);
});

test.run();
