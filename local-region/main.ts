#!/usr/bin/env node
/**
 * `npm start`: a local region on loopback — the synthetic origin and three edges — started as
 * child processes of this one, with the URLs and curl lines to try. Ctrl-C stops them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..');
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const originPort = port('LOCAL_ORIGIN_PORT', 8000);
const edgePorts = [port('LOCAL_EDGE1_PORT', 8081), port('LOCAL_EDGE2_PORT', 8082), port('LOCAL_EDGE3_PORT', 8083)];
const adminPortBase = port('LOCAL_ADMIN_PORT_BASE', 9181);
const token = process.env['LOCAL_TOKEN'] ?? randomBytes(16).toString('hex');

const children: ChildProcess[] = [];

function start(name: string, script: string, args: string[]): Promise<void> {
  const child = spawn(process.execPath, [join(dist, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk.toString()}`));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with code ${String(code)} before listening`)));
  });
}

function stopAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}

process.on('SIGINT', () => {
  stopAll();
  process.exit(0);
});
process.on('SIGTERM', () => {
  stopAll();
  process.exit(0);
});
process.on('exit', stopAll);

async function main(): Promise<void> {
  const originUrl = `http://127.0.0.1:${originPort}`;
  await start('origin', 'origin/main.js', ['--port', String(originPort), '--admin-token', token]);
  const peers = edgePorts.map((p, i) => `e${i + 1}=http://127.0.0.1:${p}`).join(',');
  await Promise.all(
    edgePorts.map((p, i) =>
      start(`e${i + 1}`, 'edge/main.js', [
        '--id', `e${i + 1}`,
        '--port', String(p),
        '--origin', originUrl,
        '--peers', peers,
        '--admin-port', String(adminPortBase + i),
        '--admin-token', token,
      ]),
    ),
  );
  const e1 = `http://127.0.0.1:${edgePorts[0]}`;
  process.stdout.write(`
edgeworks local region is up (Ctrl-C stops it): three edges in one consistent-hash ring,
each object fetched from the origin once per region

  origin   ${originUrl}
${edgePorts.map((p, i) => `  edge e${i + 1}  http://127.0.0.1:${p}   admin http://127.0.0.1:${adminPortBase + i}`).join('\n')}
  token    ${token}   (origin admin API and edge admin ports)

Try:
  curl -si ${e1}/hello | grep -i -E 'cache-status|age|etag'        # miss, then run again: hit
  curl -si http://127.0.0.1:${edgePorts[1]}/hello | grep -i cache-status   # another edge: answered by /hello's owner
  curl -si '${e1}/big?size=102400' -o /dev/null -w '%{http_code} %{size_download}\\n'
  curl -si -H 'Range: bytes=0-15' ${e1}/hello                      # 206 from the cached object
  curl -si '${e1}/short?cc=max-age%3D2,stale-while-revalidate%3D30'  # wait 3 s and repeat: served stale, refreshed in background
  curl -s -X POST ${e1}/hello                                       # unsafe method: invalidates /hello
  curl -s ${originUrl}/_stats                                        # what reached the origin
  curl -s -H 'Authorization: Bearer ${token}' http://127.0.0.1:${adminPortBase}/metrics | grep ^edge_
`);
}

main().catch((err: unknown) => {
  process.stderr.write(`npm start: ${(err as Error).message}\n`);
  stopAll();
  process.exit(1);
});
