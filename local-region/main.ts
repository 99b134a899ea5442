#!/usr/bin/env node
/**
 * `npm start`: a local region on loopback — the synthetic origin, the control plane and three
 * edges in one ring, plus an orchestrator that can add edges — started as child processes, with the URLs and
 * curl lines to try. It writes .edgeworks/local-region.json so load tests find the region and
 * its token without being told. Ctrl-C stops everything.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOrchestrator, peersOf, type RegionEdge } from './orchestrator.js';
import { edgeGlibcTunables } from '../edge/malloc-tuning.js';
import { edgeSemiSpaceMib, semiSpaceFlags } from '../edge/young-generation.js';
import { startBinary, stopAll } from './processes.js';
import { LOCAL_REGION_HELP, parseCommandLine } from './usage.js';

const commandLine = parseCommandLine(process.argv.slice(2));
if (commandLine.kind === 'help') {
  process.stdout.write(LOCAL_REGION_HELP);
  process.exit(0);
}
if (commandLine.kind === 'error') {
  process.stderr.write(`npm start: ${commandLine.message}\n`);
  process.exit(2);
}

const semiSpace = edgeSemiSpaceMib(process.env);
if (!semiSpace.ok) {
  process.stderr.write(`npm start: ${semiSpace.message}\n`);
  process.exit(2);
}
/** As `cdn-edge`'s `#!` line: the edges run with the young generation an operator's would. */
const edgeNodeFlags = semiSpaceFlags(semiSpace.mib);

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const originPort = port('LOCAL_ORIGIN_PORT', 8000);
const firstEdgePort = port('LOCAL_EDGE_PORT', 8081);
const firstAdminPort = port('LOCAL_ADMIN_PORT', 9181);
const orchestratorPort = port('LOCAL_ORCHESTRATOR_PORT', 9100);
const controlPort = port('LOCAL_CONTROL_PORT', 9000);
const token = process.env['LOCAL_TOKEN'] ?? randomBytes(16).toString('hex');
/** What edges present to the control plane: apart from the admin token, so an edge cannot purge. */
const edgeToken = randomBytes(16).toString('hex');
/** The region secret every edge signs its peer requests with (SECURITY.md); generated at every start. */
const peerSecret = process.env['LOCAL_PEER_SECRET'] ?? randomBytes(32).toString('hex');
const regionFile = join(root, '.edgeworks', 'local-region.json');
const tokenFile = join(root, '.edgeworks', 'control-plane-tokens');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopAll();
    process.exit(0);
  });
}
process.on('exit', stopAll);

async function main(): Promise<void> {
  const originUrl = `http://127.0.0.1:${originPort}`;
  await startBinary('origin', 'origin/main.js', ['--port', String(originPort), '--admin-token', token]);
  const controlUrl = `http://127.0.0.1:${controlPort}`;
  mkdirSync(dirname(tokenFile), { recursive: true });
  writeFileSync(tokenFile, `# cdn-control-plane tokens for npm start; rewritten at every start\nadmin ${token}\nedge ${edgeToken}\n`, { mode: 0o600 });
  await startBinary('control-plane', 'control-plane/main.js', [
    '--port', String(controlPort),
    '--data-dir', join(root, '.edgeworks', 'control-plane'),
    '--token-file', tokenFile,
    '--log-level', 'warn',
  ]);

  const edgeOf = (i: number): RegionEdge => ({ id: `e${i + 1}`, url: `http://127.0.0.1:${firstEdgePort + i}`, adminUrl: `http://127.0.0.1:${firstAdminPort + i}` });
  const edges: RegionEdge[] = [0, 1, 2].map(edgeOf);
  // `--peers` is each edge's bootstrap ring; once its control-plane stream is up, the control
  // plane's membership is the only one it follows (see orchestrator.ts).
  const startEdge = async (edge: RegionEdge, peers: string) => {
    await startBinary(edge.id, 'edge/main.js', [
      '--id', edge.id,
      '--port', new URL(edge.url).port,
      '--origin', originUrl,
      '--peers', peers,
      '--admin-port', new URL(edge.adminUrl).port,
      '--admin-token', token,
      '--control-plane', controlUrl,
      '--region', 'local',
      '--log-level', 'warn',
    ], { EDGE_CONTROL_PLANE_TOKEN: edgeToken, EDGE_PEER_SECRET: peerSecret, GLIBC_TUNABLES: edgeGlibcTunables(process.env) }, edgeNodeFlags);
  };
  await Promise.all(edges.map((e) => startEdge(e, peersOf(edges))));

  const orchestratorUrl = `http://127.0.0.1:${orchestratorPort}`;
  const writeRegionFile = () => {
    mkdirSync(dirname(regionFile), { recursive: true });
    const region = { token, originUrl, edgeUrls: edges.map((e) => e.url), controlUrl, orchestratorUrl };
    writeFileSync(regionFile, `${JSON.stringify(region, null, 2)}\n`, { mode: 0o600 });
  };
  const orchestrator = createOrchestrator({
    token,
    edges,
    // The next edge takes the next ports after the last one's.
    startEdge: async (id, existing) => {
      const edge = edgeOf(existing.length);
      await startEdge({ ...edge, id }, peersOf([...existing, { ...edge, id }]));
      return { ...edge, id };
    },
    controlPlane: { url: controlUrl, token, region: 'local' },
    changed: writeRegionFile,
  });
  await new Promise<void>((resolve, reject) => {
    orchestrator.once('error', reject);
    orchestrator.listen(orchestratorPort, '127.0.0.1', resolve);
  });
  writeRegionFile();

  const e1 = edges[0]!.url;
  process.stdout.write(`
edgeworks local region is up (Ctrl-C stops it): three edges in one consistent-hash ring,
each object fetched from the origin once per region

  origin        ${originUrl}
  control plane ${controlUrl}   (purges, receipts, health; log in .edgeworks/control-plane)
${edges.map((e) => `  edge ${e.id}       ${e.url}   admin ${e.adminUrl}`).join('\n')}
  orchestrator  ${orchestratorUrl}   (POST /edges adds an edge)
  token         ${token}   (control plane admin, origin admin, edge admin ports, orchestrator)
  edge token    in ${tokenFile}   (what edges present to the control plane)
  region file   ${regionFile}   (load tests read URLs and token from it)

Try:
  curl -si ${e1}/hello | grep -i -E 'cache-status|age|etag'        # miss, then run again: hit
  curl -si ${edges[1]!.url}/hello | grep -i cache-status   # another edge: answered by /hello's owner
  curl -si '${e1}/big?size=102400' -o /dev/null -w '%{http_code} %{size_download}\\n'
  curl -si -H 'Range: bytes=0-15' ${e1}/hello                      # 206 from the cached object
  curl -si '${e1}/short?cc=max-age%3D2,stale-while-revalidate%3D30'  # wait 3 s and repeat: served stale, refreshed in background
  curl -s -X POST ${e1}/hello                                       # unsafe method: invalidates /hello
  curl -s ${originUrl}/_stats                                        # what reached the origin
  curl -s -X POST -H 'Authorization: Bearer ${token}' -H 'content-type: application/json' \\
       -d '{"kind":"url","values":["127.0.0.1/hello"]}' ${controlUrl}/purges   # purge; then GET /purges/<id> for the receipt
  curl -s -H 'Authorization: Bearer ${token}' ${controlUrl}/edges            # membership and health
  curl -s -H 'Authorization: Bearer ${token}' ${edges[0]!.adminUrl}/metrics | grep ^edge_
  curl -s -X POST -H 'Authorization: Bearer ${token}' ${orchestratorUrl}/edges   # scale out by one edge
`);
}

main().catch((err: unknown) => {
  process.stderr.write(`npm start: ${(err as Error).message}\n`);
  stopAll();
  process.exit(1);
});
