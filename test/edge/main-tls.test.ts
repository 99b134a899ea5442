/**
 * The cdn-edge binary's HTTPS side (issue 17): bad certificate files stop it with one line and
 * exit 2; SIGHUP swaps certificates for new connections while an open HTTP/2 session keeps
 * working, and a bad file at reload keeps the old ones; --ca-file lets it reach an https origin.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connectH2 } from '../support/h2-client.js';
import { createTestPki, type TestPki } from '../support/test-certificates.js';
import { BinaryRuns } from '../support/binary-runs.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../../edge/main.js');
const s = suite<{ pki: TestPki }>('cdn-edge over TLS');

s.before((ctx) => {
  ctx.pki = createTestPki();
});
s.after((ctx) => ctx.pki.remove());

function run(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
}

s('bad TLS input is one line and exit 2: no certificate, unreadable file, not a PEM, a key that is not the certificate\'s', async (ctx) => {
  const good = ctx.pki.issue('localhost');
  const other = ctx.pki.issue('other');
  const notPem = join(ctx.pki.dir, 'not.pem');
  writeFileSync(notPem, 'hello\n');
  const base = ['--origin', 'http://127.0.0.1:9', '--port', '0', '--https-port', '0'];
  const cases: Array<[string[], RegExp]> = [
    [base, /^cdn-edge: tls\.cert: is required with --https-port/],
    [[...base, '--tls-cert', '/nonexistent/cert.pem', '--tls-key', good.key], /^cdn-edge: tls\.cert\/tls\.key: cannot read cert "\/nonexistent\/cert\.pem": ENOENT\n$/],
    [[...base, '--tls-cert', notPem, '--tls-key', good.key], /^cdn-edge: tls\.cert\/tls\.key: not a usable PEM certificate and key: .+\n$/],
    [[...base, '--tls-cert', good.cert, '--tls-key', other.key], /^cdn-edge: tls\.cert\/tls\.key: not a usable PEM certificate and key: .*key values mismatch\n$/],
    [['--origin', 'http://127.0.0.1:9', '--ca-file', '/nonexistent/ca.pem'], /^cdn-edge: tls\.caFile: cannot read "\/nonexistent\/ca\.pem": ENOENT\n$/],
  ];
  // Started together (binary-runs.ts): each is a process that reads its files and exits.
  const runs = new BinaryRuns();
  const results = await Promise.all(cases.map(([args]) => runs.node(bin, args)));
  for (const [i, [args, expected]] of cases.entries()) {
    const result = results[i]!;
    assert.is(result.status, 2, args.join(' '));
    assert.match(result.stderr, expected);
    assert.is(result.stdout, '');
  }
});

s('--help documents the TLS flags', () => {
  const result = run(['--help']);
  assert.is(result.status, 0);
  for (const flag of ['--https-port', '--tls-cert', '--tls-key', '--ca-file']) assert.ok(result.stdout.includes(flag), flag);
});

s('SIGHUP reloads the certificates: new handshakes get the new one, an open h2 session keeps working; a bad file keeps the old', async (ctx) => {
  const first = ctx.pki.issue('localhost');
  const certPath = join(ctx.pki.dir, 'live.pem');
  const keyPath = join(ctx.pki.dir, 'live.key');
  copyFileSync(first.cert, certPath);
  copyFileSync(first.key, keyPath);
  const child = spawn(process.execPath, [bin, '--origin', 'http://127.0.0.1:9', '--port', '0', '--https-port', '0', '--tls-cert', certPath, '--tls-key', keyPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await lineMatch(child, 'stdout', /listening on (https:\/\/[^\s]+)/);
    const port = Number(new URL(url).port);
    const session = await connectH2(url, ctx.pki.ca);
    try {
      assert.is(await servedSerial(port, ctx.pki.ca), serialOf(first.cert));
      const beforeReload = await session.get('/x');
      assert.is(beforeReload.status, 502, 'the origin is down: the edge answers itself');

      const second = ctx.pki.issue('localhost');
      copyFileSync(second.cert, certPath);
      copyFileSync(second.key, keyPath);
      const reloaded = lineMatch(child, 'stderr', /tls certificates reloaded/);
      child.kill('SIGHUP');
      await reloaded;
      assert.is(await servedSerial(port, ctx.pki.ca), serialOf(second.cert), 'new handshakes get the new certificate');
      assert.is((await session.get('/x')).status, 502, 'the session opened before the reload still serves');

      writeFileSync(certPath, 'not a certificate\n');
      const failed = lineMatch(child, 'stderr', /tls reload failed, serving the previous certificates/);
      child.kill('SIGHUP');
      await failed;
      assert.is(await servedSerial(port, ctx.pki.ca), serialOf(second.cert), 'a bad file at reload keeps the certificate in use');
    } finally {
      await session.close();
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.is(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }
});

s('--ca-file: an https origin signed by a private CA is reached; without it the edge refuses the certificate', async (ctx) => {
  const leaf = ctx.pki.issue('localhost');
  const origin = createHttpsServer({ cert: readFileSync(leaf.cert), key: readFileSync(leaf.key) }, (_req, res) => {
    res.writeHead(200, { 'cache-control': 'max-age=60', 'content-type': 'text/plain' });
    res.end('over tls');
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originUrl = `https://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  try {
    for (const [args, status, body] of [
      [['--ca-file', ctx.pki.caFile], 200, 'over tls'],
      [[], 502, undefined],
    ] as const) {
      const child = spawn(process.execPath, [bin, '--origin', originUrl, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const url = await lineMatch(child, 'stdout', /listening on (http:\/\/[^\s]+)/);
        const res = await fetch(`${url}/a`);
        assert.is(res.status, status, args.join(' ') || 'no --ca-file');
        const text = await res.text();
        if (body !== undefined) assert.is(text, body);
      } finally {
        child.kill('SIGKILL');
      }
    }
  } finally {
    origin.closeAllConnections();
    await new Promise<void>((resolve) => origin.close(() => resolve()));
  }
});

s.run();

function lineMatch(child: ChildProcessByStdio<null, Readable, Readable>, from: 'stdout' | 'stderr', pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const m = pattern.exec(text);
      if (m === null) return;
      child[from].off('data', onData);
      resolve(m[1] ?? m[0]);
    };
    child[from].on('data', onData);
    child.once('exit', () => reject(new Error(`edge exited before ${pattern}: ${text}`)));
  });
}

function servedSerial(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.destroy();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

function serialOf(certFile: string): string {
  return new X509Certificate(readFileSync(certFile)).serialNumber;
}
