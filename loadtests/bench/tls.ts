/**
 * The TLS bench rows (issue 17): 1 KiB keep-alive hits on the edge and on nginx, each over plain
 * HTTP/1.1 and HTTPS/1.1 (wrk), in alternating rounds, and over HTTP/2 (h2load, 10 connections ×
 * 100 streams) when h2load is installed. Both servers get the same certificate (EC P-256, made
 * here with openssl) and one pinned core; the generator gets the other. The targets:
 *   (edge https ÷ edge plain) ≥ 0.9 × (nginx https ÷ nginx plain), and
 *   edge/nginx over h2 no worse than edge/nginx over HTTP/1.1 (plain) in the same run.
 *
 *   npm run build && node dist/loadtests/bench/tls.js [--seconds 10] [--rounds 3] [--connections 64] [--h2-server own|node]
 *
 * `--h2-server` picks the edge's HTTP/2 layer (the edge's default when absent). The h2 rows run
 * `--rounds` times too, alternating edge and nginx, and report medians and CPU per request.
 *
 * Prints a table and one `BENCH_TLS {json}` line. Numbers from a shared machine say so (--note).
 * Besides req/s it reports each server's CPU time per request (utime+stime of the edge process and
 * of nginx's workers over each wrk run ÷ requests): on a shared machine, where neither server gets
 * its core to itself, that figure moves much less than the rates do.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { h2loadArgs, parseH2load } from './h2load.js';
import { childPids, freePort, renderTemplate } from './peers.js';
import { clockTicksPerSecond, killWith, onPath, readCpuTicks, spawnProcess, stopProcess, waitForLine, type Spawned } from './processes.js';
import { parseWrkSummary } from './wrk.js';
import { median } from '../../common/median.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const PATH_1K = '/bench/tls-1k?size=1024';
const log = (line: string): void => void process.stderr.write(`${line}\n`);

type Target = 'edge-plain' | 'edge-https' | 'nginx-plain' | 'nginx-https';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '64' }, note: { type: 'string', default: '' }, 'h2-server': { type: 'string' } } });
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  if (!onPath('wrk') || !onPath('nginx') || !onPath('openssl')) throw new Error('the TLS bench needs wrk, nginx and openssl on PATH');
  const twoCores = availableParallelism() >= 2;
  const serverCpu = twoCores ? 0 : undefined;
  const generatorCpu = twoCores ? 1 : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'edgeworks-tls-bench-'));
  const procs: Spawned[] = [];
  try {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    chmodSync(key, 0o644); // nginx's worker (nobody, when run as root) reads it too.

    const origin = spawnProcess({ name: 'origin', cpu: generatorCpu, command: process.execPath, args: [join(ROOT, 'dist/origin/main.js'), '--port', '0', '--host', '127.0.0.1'] });
    procs.push(origin);
    const originUrl = `http://127.0.0.1:${(await waitForLine(origin, /listening on http:\/\/127\.0\.0\.1:(\d+)/, 15_000))[1]}`;

    const edge = spawnProcess({ name: 'edge', cpu: serverCpu, command: process.execPath, args: [join(ROOT, 'dist/edge/main.js'), '--origin', originUrl, '--port', '0', '--https-port', '0', '--tls-cert', cert, '--tls-key', key, '--log-level', 'warn', ...(values['h2-server'] === undefined ? [] : ['--h2-server', values['h2-server']])] });
    procs.push(edge);
    const edgePlain = `http://127.0.0.1:${(await waitForLine(edge, /listening on http:\/\/127\.0\.0\.1:(\d+)/, 15_000))[1]}`;
    const edgeHttps = `https://127.0.0.1:${(await waitForLine(edge, /listening on https:\/\/127\.0\.0\.1:(\d+)/, 15_000))[1]}`;

    const nginxDir = join(dir, 'nginx');
    const cacheDir = join(dir, 'nginx-cache');
    mkdirSync(nginxDir, { recursive: true });
    mkdirSync(cacheDir, { recursive: true });
    for (const d of [dir, nginxDir, cacheDir]) chmodSync(d, 0o777);
    const [plainPort, tlsPort] = [await freePort(), await freePort()];
    const conf = renderTemplate(readFileSync(join(ROOT, 'loadtests/bench/peers/nginx-tls.conf'), 'utf8'), {
      PREFIX: nginxDir, CACHE_DIR: cacheDir, ORIGIN: new URL(originUrl).host, PORT: String(plainPort), TLS_PORT: String(tlsPort), CERT: cert, KEY: key,
    });
    writeFileSync(join(nginxDir, 'nginx.conf'), conf);
    const nginx = spawnProcess({ name: 'nginx', cpu: serverCpu, command: 'nginx', args: ['-p', nginxDir, '-c', join(nginxDir, 'nginx.conf')] });
    procs.push(nginx);
    const nginxPlain = `http://127.0.0.1:${plainPort}`;
    const nginxHttps = `https://127.0.0.1:${tlsPort}`;

    const urls: Record<Target, string> = { 'edge-plain': edgePlain, 'edge-https': edgeHttps, 'nginx-plain': nginxPlain, 'nginx-https': nginxHttps };
    for (const base of [edgePlain, nginxPlain]) await warm(`${base}${PATH_1K}`);
    // The workers (and the cache manager) outlive a SIGKILLed master, holding its ports and the
    // bench's stdout pipe, so the bench never exited: kill them with it (as peers.ts does).
    for (const pid of childPids(nginx.pid)) killWith(nginx, pid);
    const rates: Record<Target, number[]> = { 'edge-plain': [], 'edge-https': [], 'nginx-plain': [], 'nginx-https': [] };
    const cpuUs: Record<Target, number[]> = { 'edge-plain': [], 'edge-https': [], 'nginx-plain': [], 'nginx-https': [] };
    const serverPids = (t: Target): number[] => (t.startsWith('edge') ? [edge.pid] : childPids(nginx.pid).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker process')));
    for (let round = 0; round < rounds; round++) {
      // Alternate the order each round so neither server always runs first on a warming machine.
      const order: Target[] = round % 2 === 0 ? ['edge-plain', 'edge-https', 'nginx-plain', 'nginx-https'] : ['nginx-https', 'nginx-plain', 'edge-https', 'edge-plain'];
      for (const target of order) {
        const pids = serverPids(target);
        const before = cpuTicksOf(pids);
        const rps = wrk(`${urls[target]}${PATH_1K}`, connections, seconds, generatorCpu);
        const usPerRequest = ((cpuTicksOf(pids) - before) / clockTicksPerSecond() / (rps * seconds)) * 1e6;
        rates[target].push(rps);
        cpuUs[target].push(usPerRequest);
        log(`bench tls: round ${round + 1} ${target} ${rps.toFixed(0)} req/s, ${usPerRequest.toFixed(1)} µs server CPU per request`);
      }
    }
    const med = (t: Target): number => median(rates[t]);
    const edgeTls = med('edge-https') / med('edge-plain');
    const nginxTls = med('nginx-https') / med('nginx-plain');
    const h1EdgeOverNginx = med('edge-plain') / med('nginx-plain');
    const h2 = onPath('h2load') ? h2Rounds({ edge: `${edgeHttps}${PATH_1K}`, nginx: `${nginxHttps}${PATH_1K}` }, (server) => serverPids(server === 'edge' ? 'edge-https' : 'nginx-https'), rounds, seconds, generatorCpu) : undefined;
    const result = {
      note: values.note,
      machine: { nproc: availableParallelism(), node: process.version, pinned: twoCores },
      secondsPerRun: seconds, rounds, connections,
      medianRequestsPerSec: Object.fromEntries((Object.keys(rates) as Target[]).map((t) => [t, Math.round(med(t))])),
      medianServerCpuUsPerRequest: Object.fromEntries((Object.keys(cpuUs) as Target[]).map((t) => [t, round3(median(cpuUs[t]))])),
      edgeHttpsOverPlain: round3(edgeTls),
      nginxHttpsOverPlain: round3(nginxTls),
      tlsTarget: { needed: round3(0.9 * nginxTls), met: edgeTls >= 0.9 * nginxTls },
      h2: h2 === undefined ? 'h2load not installed (apt-get install nghttp2-client)' : {
        edgeH2Server: values['h2-server'] ?? 'edge default',
        serverCpuUsPerRequest: { edge: round3(h2.edge.cpuUs), nginx: round3(h2.nginx.cpuUs) },
        edgeRequestsPerSec: Math.round(h2.edge.requestsPerSec), nginxRequestsPerSec: Math.round(h2.nginx.requestsPerSec),
        edgeFailed: h2.edge.failed + h2.edge.errored, nginxFailed: h2.nginx.failed + h2.nginx.errored,
        edgeOverNginx: round3(h2.edge.requestsPerSec / h2.nginx.requestsPerSec), http1EdgeOverNginx: round3(h1EdgeOverNginx),
        met: h2.edge.requestsPerSec / h2.nginx.requestsPerSec >= h1EdgeOverNginx,
      },
    };
    const h2Cpu = h2 === undefined ? '' : `\n| h2 server CPU µs per request (median) | edge ${h2.edge.cpuUs.toFixed(1)} | nginx ${h2.nginx.cpuUs.toFixed(1)} | h2 target (edge/nginx ≥ h1 edge/nginx ${round3(h1EdgeOverNginx)}): ${h2.edge.requestsPerSec / h2.nginx.requestsPerSec >= h1EdgeOverNginx ? 'met' : 'MISSED'} |`;
    process.stdout.write(`${table(result.medianRequestsPerSec, edgeTls, nginxTls, h2)}\n${cpuTable(result.medianServerCpuUsPerRequest)}${h2Cpu}\nBENCH_TLS ${JSON.stringify(result)}\n`);
  } finally {
    // Again at the end: nginx's master replaces a worker that dies mid-run (seen once under
    // h2load), and the new one outlives a SIGKILLed master too.
    for (const p of procs) for (const pid of childPids(p.pid)) killWith(p, pid);
    for (const p of procs.reverse()) await stopProcess(p);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function warm(url: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const res = await request(url);
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`warming ${url}: ${res.statusCode}`);
  }
}

function pinned(cpu: number | undefined, command: string, args: string[]): { command: string; args: string[] } {
  return cpu === undefined ? { command, args } : { command: 'taskset', args: ['-c', String(cpu), command, ...args] };
}

function wrk(url: string, connections: number, seconds: number, cpu: number | undefined): number {
  const c = pinned(cpu, 'wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', url]);
  const r = spawnSync(c.command, c.args, { encoding: 'utf8' });
  const summary = parseWrkSummary(r.stdout ?? '');
  if (summary.requestsPerSec === undefined) throw new Error(`wrk ${url} printed no rate: ${r.stdout}${r.stderr}`);
  if (summary.non2xx3xx > 0) throw new Error(`wrk ${url}: ${summary.non2xx3xx} non-2xx answers`);
  return summary.requestsPerSec;
}

function h2load(url: string, seconds: number, cpu: number | undefined) {
  const c = pinned(cpu, 'h2load', h2loadArgs(url, { clients: 10, streams: 100, seconds, threads: 1 }));
  const r = spawnSync(c.command, c.args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const parsed = parseH2load(r.stdout ?? '');
  if (parsed === undefined) throw new Error(`h2load ${url} printed no summary: ${r.stdout}${r.stderr}`);
  log(`bench tls: h2 ${url} ${parsed.requestsPerSec.toFixed(0)} req/s (${parsed.failed} failed, ${parsed.errored} errored)`);
  return parsed;
}

/** h2load `rounds` times against each server, alternating which goes first; medians of rate and CPU per request. */
function h2Rounds(urls: { edge: string; nginx: string }, pidsOf: (server: 'edge' | 'nginx') => number[], rounds: number, seconds: number, cpu: number | undefined) {
  const runs = { edge: [] as { requestsPerSec: number; failed: number; errored: number; cpuUs: number }[], nginx: [] as { requestsPerSec: number; failed: number; errored: number; cpuUs: number }[] };
  for (let round = 0; round < rounds; round++) {
    for (const server of round % 2 === 0 ? (['edge', 'nginx'] as const) : (['nginx', 'edge'] as const)) {
      const pids = pidsOf(server);
      const before = cpuTicksOf(pids);
      const r = h2load(urls[server], seconds, cpu);
      const cpuUs = ((cpuTicksOf(pids) - before) / clockTicksPerSecond() / (r.requestsPerSec * seconds)) * 1e6;
      log(`bench tls: round ${round + 1} ${server}-h2 ${r.requestsPerSec.toFixed(0)} req/s, ${cpuUs.toFixed(1)} µs server CPU per request`);
      runs[server].push({ ...r, cpuUs });
    }
  }
  const summary = (xs: typeof runs.edge) => ({
    requestsPerSec: median(xs.map((x) => x.requestsPerSec)),
    cpuUs: median(xs.map((x) => x.cpuUs)),
    failed: xs.reduce((n, x) => n + x.failed, 0),
    errored: xs.reduce((n, x) => n + x.errored, 0),
  });
  return { edge: summary(runs.edge), nginx: summary(runs.nginx) };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function table(rps: Record<string, number>, edgeTls: number, nginxTls: number, h2: { edge: { requestsPerSec: number }; nginx: { requestsPerSec: number } } | undefined): string {
  const lines = [
    '| 1 KiB hits, keep-alive | edge req/s | nginx req/s | edge/nginx |',
    '|---|---|---|---|',
    `| HTTP/1.1 plain (wrk) | ${rps['edge-plain']} | ${rps['nginx-plain']} | ${round3(rps['edge-plain']! / rps['nginx-plain']!)} |`,
    `| HTTPS/1.1 (wrk) | ${rps['edge-https']} | ${rps['nginx-https']} | ${round3(rps['edge-https']! / rps['nginx-https']!)} |`,
  ];
  if (h2 !== undefined) lines.push(`| HTTP/2 over TLS (h2load 10×100) | ${Math.round(h2.edge.requestsPerSec)} | ${Math.round(h2.nginx.requestsPerSec)} | ${round3(h2.edge.requestsPerSec / h2.nginx.requestsPerSec)} |`);
  lines.push(`| https ÷ plain | ${round3(edgeTls)} | ${round3(nginxTls)} | target: edge ≥ 0.9 × nginx = ${round3(0.9 * nginxTls)} |`);
  return lines.join('\n');
}

/** Server CPU per request: the plain and TLS cost side by side, and what TLS adds. */
function cpuTable(us: Record<string, number>): string {
  const row = (server: 'edge' | 'nginx'): string => {
    const plain = us[`${server}-plain`]!;
    const tls = us[`${server}-https`]!;
    return `| ${server} | ${plain.toFixed(1)} | ${tls.toFixed(1)} | ${(tls - plain).toFixed(1)} |`;
  };
  // A saturated server's https ÷ plain rate is its plain ÷ https CPU per request.
  const edge = us['edge-plain']! / us['edge-https']!;
  const nginx = us['nginx-plain']! / us['nginx-https']!;
  return [
    '| server CPU µs per request (median) | plain | HTTPS/1.1 | TLS adds |',
    '|---|---|---|---|',
    row('edge'),
    row('nginx'),
    `| plain ÷ https CPU (rate ratio at saturation) | edge ${round3(edge)} | nginx ${round3(nginx)} | target: edge ≥ 0.9 × nginx = ${round3(0.9 * nginx)} (${edge >= 0.9 * nginx ? 'met' : 'MISSED'}) |`,
  ].join('\n');
}

/** utime+stime of `pids`, in clock ticks (a process gone counts 0). */
function cpuTicksOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const t = readCpuTicks(pid);
    if (t !== undefined) ticks += t.utimeTicks + t.stimeTicks;
  }
  return ticks;
}

main().catch((err: unknown) => {
  log(`bench tls: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
