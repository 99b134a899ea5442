/**
 * The backup and restore procedure of the etcd store, run once for real (PROTOCOL.md, "Operations"):
 * `etcdctl snapshot save` from a live member, `etcdctl snapshot restore` into a new data directory,
 * a new `log-id` put before any control plane starts, and then an edge that had applied purges the
 * snapshot does not hold is flushed (`log-changed`) instead of silently skipping the purges that
 * will reuse those seqs.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EtcdClient } from '../../control-plane/adapters/etcd-client.js';
import { freePorts } from '../../loadtests/bench/peer-hop.js';
import { EtcdCluster, getJson, postJson, PREFIX, startEdge, startReplica, stopProcess, waitFor, type EdgeProc, type Replica } from './support/ha-cluster.js';

function etcdctl(args: string[]): string {
  const r = spawnSync('etcdctl', args, { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  if (r.status !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('snapshot save, restore, new log-id: the restored log has the snapshot\'s purges and edges ahead of it flush', async () => {
  const etcd = await EtcdCluster.create(1);
  const [port] = await freePorts(1);
  const replica: Replica = { id: 'r1', port: port!, url: `http://127.0.0.1:${port}`, proc: undefined };
  let edge: EdgeProc | undefined;
  try {
    await startReplica(replica, etcd.endpoints);
    edge = await startEdge('e1', [replica.url]);
    await waitFor('the edge streaming', async () => (edge!.log.flushes.length > 0 ? true : undefined));
    for (let i = 0; i < 10; i++) assert.is((await postJson(`${replica.url}/purges`, { kind: 'url', values: [`127.0.0.1/before/${i}`] })).status, 202);
    const backup = join(etcd.dir, 'backup.db');
    etcdctl(['--endpoints', etcd.endpoints[0]!, 'snapshot', 'save', backup]);
    for (let i = 0; i < 5; i++) assert.is((await postJson(`${replica.url}/purges`, { kind: 'url', values: [`127.0.0.1/after/${i}`] })).status, 202);
    await waitFor('the edge at seq 15', async () => (edge!.log.applied.at(-1)?.seq === 15 ? true : undefined));
    const kv = new EtcdClient({ endpoints: etcd.endpoints, requestTimeoutMs: 5_000 });
    const oldLogId = (await kv.range(`${PREFIX}log-id`)).kvs[0]!.value;
    await kv.close();

    // The disaster: the cluster and the control plane are gone.
    await stopProcess(replica.proc!);
    const member = etcd.members[0]!;
    await etcd.kill(member);
    // The procedure.
    const restored = join(etcd.dir, 'restored');
    etcdctl(['snapshot', 'restore', backup, '--name', member.name, '--initial-cluster', `${member.name}=${member.peerUrl}`, '--initial-advertise-peer-urls', member.peerUrl, '--initial-cluster-token', 'edgeworks-ha-restored', '--data-dir', restored]);
    member.dataDir = restored;
    etcd.start(member);
    await etcd.waitHealthy();
    etcdctl(['--endpoints', etcd.endpoints[0]!, 'put', `${PREFIX}log-id`, 'restored-0001']);
    await startReplica(replica, etcd.endpoints);

    const edges = await getJson(`${replica.url}/edges`);
    assert.is(edges.json.lastSeq, 10, 'the restored log ends where the snapshot did');
    await waitFor('the edge flushed by the restored log', async () => (edge!.log.flushes.length > 1 ? true : undefined));
    assert.equal(edge.log.flushes, [0, 10], `flushed at fresh start and at the restored log's end (old log ${oldLogId})`);
    assert.is((await postJson(`${replica.url}/purges`, { kind: 'url', values: ['127.0.0.1/new'] })).json.seq, 11);
    await waitFor('the edge applying the first new purge', async () => (edge!.log.applied.at(-1)?.seq === 11 ? true : undefined));
  } catch (err) {
    process.stderr.write(`edge stderr tail:\n${edge?.proc.stderrTail().split('\n').filter((l) => !l.includes('"purge applied"')).slice(-15).join('\n')}\ncontrol plane stderr tail:\n${replica.proc?.stderrTail().slice(-3000)}\n`);
    throw err;
  } finally {
    if (edge !== undefined) await stopProcess(edge.proc);
    if (replica.proc !== undefined) await stopProcess(replica.proc);
    await etcd.stopAll();
  }
});

test.run();
