/**
 * Real processes for the fault tests (`npm run test:ha`, never `npm test`): etcd members, control
 * plane replicas on the etcd store, and edges, all on loopback ports found free at run time.
 * Every child is SIGKILLed when the test process exits, however it exits. Waiting is always on a
 * condition (a printed line, a health answer, a log line) with a generous bound, never on time.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { EtcdCluster, waitFor } from '../../../loadtests/bench/etcd-cluster.js';
import { spawnProcess, stopProcess, waitForLine, type Spawned } from '../../../loadtests/bench/processes.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '../../..');

export const TOKEN = 'ha-test-token-0123456789';
/** The control plane's edge credential (streams, acks, heartbeats), apart from the admin TOKEN. */
export const EDGE_TOKEN = 'ha-test-edge-token-9876543210';
export const PREFIX = '/edgeworks/ha/';

export async function postJson(url: string, body: unknown, timeoutMs = 5_000): Promise<{ status: number; json: any }> {
  const res = await request(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const text = await res.body.text();
  return { status: res.statusCode, json: text === '' ? undefined : JSON.parse(text) };
}

export async function getJson(url: string, timeoutMs = 5_000): Promise<{ status: number; json: any }> {
  const res = await request(url, { headers: { authorization: `Bearer ${TOKEN}` }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const text = await res.body.text();
  return { status: res.statusCode, json: text === '' ? undefined : JSON.parse(text) };
}

export interface Replica {
  id: string;
  url: string;
  port: number;
  proc: Spawned | undefined;
}

export async function startReplica(r: Replica, endpoints: string[], extra: string[] = []): Promise<void> {
  r.proc = spawnProcess({
    name: `control plane ${r.id}`,
    cpu: undefined,
    command: process.execPath,
    args: [join(DIST, 'control-plane', 'main.js'), '--store', 'etcd', '--etcd-endpoints', endpoints.join(','), '--etcd-prefix', PREFIX, '--replica-id', r.id, '--port', String(r.port), '--token', TOKEN, '--edge-token', EDGE_TOKEN, '--log-level', 'warn', ...extra],
  });
  await waitForLine(r.proc, /listening on http:\/\/127\.0\.0\.1:\d+/, 60_000);
}

export interface EdgeLog {
  /** Every purge the edge applied, in the order it applied them. */
  applied: Array<{ seq: number; id: string }>;
  flushes: number[];
}

export interface EdgeProc {
  id: string;
  proc: Spawned;
  log: EdgeLog;
}

/** An edge in debug logging, its stderr parsed for `purge applied` and `cache flushed` lines. */
export async function startEdge(id: string, controlUrls: string[]): Promise<EdgeProc> {
  const proc = spawnProcess({
    name: `edge ${id}`,
    cpu: undefined,
    command: process.execPath,
    // The origin is never contacted: nobody requests content in this test.
    args: [join(DIST, 'edge', 'main.js'), '--id', id, '--port', '0', '--origin', 'http://127.0.0.1:9', '--control-plane', controlUrls.join(','), '--token', EDGE_TOKEN, '--log-level', 'debug'],
  });
  const log: EdgeLog = { applied: [], flushes: [] };
  let partial = '';
  proc.child.stderr!.on('data', (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { message?: string; seq?: number; id?: string; upToSeq?: number };
      if (entry.message === 'purge applied') log.applied.push({ seq: entry.seq!, id: entry.id! });
      else if (entry.message === 'cache flushed') log.flushes.push(entry.upToSeq!);
    }
  });
  await waitForLine(proc, /listening on/, 60_000);
  return { id, proc, log };
}

export { EtcdCluster, stopProcess, waitFor };
