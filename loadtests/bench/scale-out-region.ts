/**
 * The scale-out check of issue 14, run as a user would: `npm start`'s region (real processes:
 * origin, control plane, three edges, orchestrator) on free loopback ports, KEYS warm objects,
 * one edge added through the orchestrator (POST /edges), then every key read once through every
 * edge. Prints the origin fetches of the warm keys after the join (each key was fetched once to
 * warm it), and how many keys the new edge took over (owner read from Cache-Status).
 *
 *   node dist/loadtests/bench/scale-out-region.js [keys=400]
 *
 * The numbers depend on the machine only through timing races; the count is what matters.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/loadtests/bench
const TOKEN = 'scale-out-region-token-0123456789';

/** A base port with `count` consecutive free ports (the orchestrator takes the next after the last edge's). */
async function freeRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await isFree(p);
    if (ok) return base;
  }
  throw new Error('no run of free ports found');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function get(url: string): Promise<{ status: number; cacheStatus: string }> {
  const res = await request(url);
  await res.body.dump();
  return { status: res.statusCode, cacheStatus: String(res.headers['cache-status'] ?? '') };
}

async function originPaths(originUrl: string): Promise<Record<string, number>> {
  const res = await request(`${originUrl}/_stats`);
  return ((await res.body.json()) as { paths: Record<string, number> }).paths;
}

export async function runScaleOutRegion(keys: number): Promise<{ keys: number; movedToNewEdge: number; originFetchesAfterJoin: number; refetchedKeys: number; errors: number }> {
  const edgeBase = await freeRun(5);
  const adminBase = await freeRun(5);
  const [originPort, controlPort, orchestratorPort] = [await freeRun(1), await freeRun(1), await freeRun(1)];
  const child = spawn(process.execPath, [join(HERE, '..', '..', 'local-region', 'main.js')], {
    env: {
      ...process.env,
      LOCAL_ORIGIN_PORT: String(originPort),
      LOCAL_EDGE_PORT: String(edgeBase),
      LOCAL_ADMIN_PORT: String(adminBase),
      LOCAL_CONTROL_PORT: String(controlPort),
      LOCAL_ORCHESTRATOR_PORT: String(orchestratorPort),
      LOCAL_TOKEN: TOKEN,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('local region is up')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`npm start exited with ${String(code)}`)));
    });
    const originUrl = `http://127.0.0.1:${originPort}`;
    const edgeUrl = (i: number) => `http://127.0.0.1:${edgeBase + i}`;
    const paths = Array.from({ length: keys }, (_, i) => `/scale/${i}`);
    // The control plane holds membership back for its first seconds; warm once the rings are whole.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    let errors = 0;
    for (const [i, path] of paths.entries()) if ((await get(`${edgeUrl(i % 3)}${path}`)).status !== 200) errors++;
    const warmed = await originPaths(originUrl);
    const joined = await request(`http://127.0.0.1:${orchestratorPort}/edges`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    const body = await joined.body.text();
    if (joined.statusCode !== 201) throw new Error(`POST /edges answered ${joined.statusCode}: ${body}`);
    // Every key through every edge, the new one included.
    let moved = 0;
    for (let e = 0; e < 4; e++) {
      for (const path of paths) {
        const r = await get(`${edgeUrl(e)}${path}`);
        if (r.status !== 200) errors++;
        // Through e4 last: a key it owns it has by now (its own member comes first); others it forwards.
        if (e === 3 && r.cacheStatus.startsWith('e4;')) moved++;
      }
    }
    const after = await originPaths(originUrl);
    let fetches = 0;
    let refetched = 0;
    for (const path of paths) {
      const n = (after[path] ?? 0) - (warmed[path] ?? 0);
      fetches += n;
      if (n > 0) refetched++;
    }
    return { keys, movedToNewEdge: moved, originFetchesAfterJoin: fetches, refetchedKeys: refetched, errors };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

if (process.argv[1] !== undefined && process.argv[1] === fileURLToPath(import.meta.url)) {
  runScaleOutRegion(Number(process.argv[2] ?? 400)).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err: unknown) => {
      process.stderr.write(`scale-out-region: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
