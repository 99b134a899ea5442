/**
 * The real peers the hit path is measured against: nginx (proxy_cache, one worker, cache on
 * tmpfs) and Varnish (malloc storage), each started from the config committed beside this file
 * (peers/nginx.conf, peers/varnish.vcl) with ports and paths filled in at run time, on loopback,
 * pinned like the edge. Absent binaries are reported, not fatal: the bench says what it skipped.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { killWith, onPath, spawnProcess, type Spawned } from './processes.js';

export type PeerName = 'nginx' | 'varnish';

export interface Peer {
  name: PeerName;
  proc: Spawned;
  url: string;
  /** The process that serves requests (nginx's worker, Varnish's child): CPU and RSS are read from it. */
  servingPid: number;
  /** nginx: the proxy_cache directory on tmpfs, whose files are part of its memory per object. */
  cacheDir?: string;
}

/** Replaces every `{{NAME}}`; a placeholder without a value, or a value no placeholder uses, is an error. */
export function renderTemplate(text: string, values: Readonly<Record<string, string>>): string {
  const used = new Set<string>();
  const out = text.replace(/\{\{([A-Z_]+)\}\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    used.add(name);
    return v;
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`template has no placeholder for ${unused.join(', ')}`);
  return out;
}

/** The pids listed in /proc/<pid>/task/<tid>/children over every thread of `pid`. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text !== '') out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // The process is gone; no children.
  }
  return out;
}

/** Bytes the files under `dir` occupy (allocated blocks, which is what tmpfs holds in RAM). */
export function allocatedBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += allocatedBytes(path);
    else if (entry.isFile()) total += statSync(path).blocks * 512;
  }
  return total;
}

/** A port nothing listens on right now (the peer binds it a moment later; loopback only). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitUntilServing(p: Spawned, url: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`${p.name} exited before serving; stderr: ${p.stderrTail()}`);
    try {
      const res = await request(`${url}/`, { headersTimeout: 1000, bodyTimeout: 1000 });
      await res.body.dump();
      return;
    } catch {
      if (performance.now() > deadline) throw new Error(`${p.name} did not answer on ${url} within ${timeoutMs} ms; stderr: ${p.stderrTail()}`);
      await sleep(100);
    }
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** The one child whose command line matches (nginx also runs a cache manager and a cache loader). */
async function onlyChild(p: Spawned, what: string, cmdline: RegExp): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const kids = childPids(p.pid).filter((pid) => cmdline.test(commandLine(pid)));
    if (kids.length === 1) return kids[0]!;
    await sleep(100);
  }
  const all = childPids(p.pid).map((pid) => `${pid} ${JSON.stringify(commandLine(pid))}`);
  throw new Error(`${p.name}: expected one ${what} process under pid ${p.pid}, found ${all.join(', ') || 'none'}`);
}

export interface PeerStartOptions {
  originUrl: string;
  cpu: number | undefined;
  /** A fresh directory for this peer's files (config, pid, logs); nginx's cache goes to `cacheRoot`. */
  dir: string;
  /** tmpfs directory for nginx's cache (/dev/shm); undefined: inside `dir`. */
  cacheRoot: string | undefined;
  configDir: string;
}

export async function startNginx(o: PeerStartOptions): Promise<Peer> {
  const port = await freePort();
  const cacheDir = join(o.cacheRoot ?? o.dir, `nginx-cache-${port}`);
  mkdirSync(cacheDir, { recursive: true });
  mkdirSync(o.dir, { recursive: true });
  // A root master runs its worker as nobody, which must reach (mkdtemp made them 0700) and write
  // the cache and temp directories.
  for (const d of [dirname(cacheDir), dirname(o.dir)]) chmodSync(d, 0o755);
  chmodSync(cacheDir, 0o777);
  chmodSync(o.dir, 0o777);
  const conf = renderTemplate(readFileSync(join(o.configDir, 'nginx.conf'), 'utf8'), {
    PREFIX: o.dir,
    CACHE_DIR: cacheDir,
    ORIGIN: new URL(o.originUrl).host,
    PORT: String(port),
  });
  const confPath = join(o.dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  const proc = spawnProcess({ name: 'nginx', cpu: o.cpu, command: 'nginx', args: ['-p', o.dir, '-c', confPath] });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(proc, url, 15_000);
  const servingPid = await onlyChild(proc, 'worker', /worker process/);
  // The worker (and the cache manager) outlive a SIGKILLed master, holding its port and cache.
  for (const pid of childPids(proc.pid)) killWith(proc, pid);
  return { name: 'nginx', proc, url, servingPid, cacheDir };
}

export async function startVarnish(o: PeerStartOptions): Promise<Peer> {
  const port = await freePort();
  mkdirSync(o.dir, { recursive: true });
  const vclPath = join(o.dir, 'bench.vcl');
  writeFileSync(vclPath, renderTemplate(readFileSync(join(o.configDir, 'varnish.vcl'), 'utf8'), { ORIGIN_PORT: new URL(o.originUrl).port }));
  // -F: stay in the foreground (the manager is our child, its one worker child serves).
  // thread_pools=1: one pool for one core. -j none: no privilege drop, so the work dir stays ours.
  const args = ['-F', '-j', 'none', '-n', join(o.dir, 'work'), '-a', `127.0.0.1:${port}`, '-f', vclPath, '-s', 'malloc,2g', '-p', 'thread_pools=1'];
  const proc = spawnProcess({ name: 'varnish', cpu: o.cpu, command: 'varnishd', args });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(proc, url, 30_000);
  return { name: 'varnish', proc, url, servingPid: await onlyChild(proc, 'cache child', /./) };
}

/** Which peers can run here: the binary must be on PATH. */
export function peerAvailability(): Record<PeerName, boolean> {
  return { nginx: onPath('nginx'), varnish: onPath('varnishd') };
}
