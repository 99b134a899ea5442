/**
 * The fault test behind `npm run test:ha` (needs `etcd` on PATH; never part of `npm test`).
 *
 * 3 etcd members, 3 control-plane replicas on the etcd store, 3 edges each given all three
 * replica URLs, and a purge load spread over the replicas. Mid-load the etcd leader is SIGKILLed
 * and restarted, then the control plane's leader is SIGKILLed and restarted. Afterwards:
 *   - no seq was answered 202 twice, and no purge id twice;
 *   - every edge applied seqs 1..lastSeq exactly once each, in order, none skipped;
 *   - every 202'd purge is the one each edge applied at its seq;
 *   - no edge was flushed (the only flush is each edge's fresh start at seq 0, before any purge);
 *   - every 202'd purge's receipt reaches `complete`, listing all three edges, on every replica.
 *   - every replica counts every edge as leased (lease records shared through etcd).
 * It prints the write pause at each failover. Every wait is on a condition with a generous bound;
 * nothing asserts a duration.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EtcdClient } from '../../control-plane/adapters/etcd-client.js';
import { freePorts } from '../../loadtests/bench/peer-hop.js';
import { EtcdCluster, getJson, postJson, PREFIX, startEdge, startReplica, stopProcess, waitFor, type EdgeProc, type Replica } from './support/ha-cluster.js';

interface Accepted {
  id: string;
  seq: number;
  value: string;
  doneAtMs: number;
}

/** Purges from `inFlight` workers, round-robin over the replicas; a failure is counted, never retried with the same value. */
class PurgeLoad {
  readonly accepted: Accepted[] = [];
  failures = 0;
  private running = true;
  private counter = 0;
  private readonly workers: Promise<void>[] = [];

  constructor(
    private readonly urls: string[],
    inFlight: number,
  ) {
    for (let w = 0; w < inFlight; w++) this.workers.push(this.work(w));
  }

  private async work(w: number): Promise<void> {
    let turn = w;
    while (this.running) {
      const url = this.urls[turn++ % this.urls.length]!;
      const value = `127.0.0.1/ha/${++this.counter}`;
      try {
        const res = await postJson(`${url}/purges`, { kind: 'url', values: [value] }, 30_000);
        if (res.status === 202) this.accepted.push({ id: res.json.id, seq: res.json.seq, value, doneAtMs: performance.now() });
        else this.failures++;
      } catch {
        this.failures++;
        // A dead replica refuses at once; do not spin on it.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  /** Resolves once `more` purges beyond now have been accepted. */
  async progress(more: number, what: string): Promise<void> {
    const target = this.accepted.length + more;
    await waitFor(what, async () => (this.accepted.length >= target ? true : undefined), 90_000);
  }

  /** Longest stretch without a 202 that began before `fromMs` ended and ended after it, up to `untilMs`. */
  pauseAround(fromMs: number, untilMs: number): number {
    const times = this.accepted.map((a) => a.doneAtMs).sort((a, b) => a - b);
    let before = -Infinity;
    let pause = 0;
    for (const t of times) {
      if (t > fromMs && t <= untilMs) pause = Math.max(pause, t - Math.max(before, fromMs - 1_000));
      before = t;
    }
    return pause;
  }
}

test('3 etcd + 3 control-plane replicas + 3 edges: SIGKILL the etcd leader and the control-plane leader under a purge load; nothing lost, repeated, reordered or flushed', async () => {
  const etcd = await EtcdCluster.create(3);
  const ports = await freePorts(3);
  const replicas: Replica[] = ports.map((port, i) => ({ id: `r${i + 1}`, port, url: `http://127.0.0.1:${port}`, proc: undefined }));
  const edges: EdgeProc[] = [];
  const kv = new EtcdClient({ endpoints: etcd.endpoints, requestTimeoutMs: 5_000 });
  let load: PurgeLoad | undefined;
  try {
    // Each replica lists the members in a different order, so they do not all start on one.
    await Promise.all(replicas.map((r, i) => startReplica(r, [...etcd.endpoints.slice(i), ...etcd.endpoints.slice(0, i)])));
    const urls = replicas.map((r) => r.url);
    for (let i = 0; i < 3; i++) edges.push(await startEdge(`e${i + 1}`, [...urls.slice(i), ...urls.slice(0, i)]));
    await waitFor('every edge streaming', async () => (edges.every((e) => e.log.flushes.length > 0) ? true : undefined));

    load = new PurgeLoad(urls, 16);
    await load.progress(300, 'the first purges');

    const etcdLeader = await etcd.leader();
    const etcdKillMs = performance.now();
    await etcd.kill(etcdLeader);
    await load.progress(300, 'writes after the etcd leader was killed');
    const etcdResumedMs = performance.now();
    etcd.start(etcdLeader);
    await etcd.waitHealthy();

    const leaderOf = async (): Promise<{ replica: string; incarnation: string } | undefined> => {
      const value = (await kv.range(`${PREFIX}leader`)).kvs[0]?.value;
      return value === undefined ? undefined : (JSON.parse(value) as { replica: string; incarnation: string });
    };
    const killedLeader = await waitFor('a control-plane leader', leaderOf);
    const leaderKey = killedLeader.replica;
    const cpLeader = replicas.find((r) => r.id === leaderKey)!;
    assert.ok(cpLeader !== undefined, `leader key names a replica: ${leaderKey}`);
    const cpKillMs = performance.now();
    await stopProcess(cpLeader.proc!);
    await load.progress(300, 'writes after the control-plane leader was killed');
    const cpResumedMs = performance.now();
    await startReplica(cpLeader, etcd.endpoints);
    // The killed leader's key lives until its lease runs out; then another process takes the role.
    const newLeader = (await waitFor('a new control-plane leader', async () => {
      const now = await leaderOf();
      return now !== undefined && now.incarnation !== killedLeader.incarnation ? now : undefined;
    })).replica;
    await load.progress(300, 'writes with the replica back');
    await load.stop();

    const lastSeq = await waitFor('every replica at the same last seq', async () => {
      const seqs = await Promise.all(urls.map(async (u) => (await getJson(`${u}/edges`)).json.lastSeq as number));
      return seqs.every((s) => s === seqs[0]) ? seqs[0] : undefined;
    });
    await waitFor('every edge caught up', async () => (edges.every((e) => (e.log.applied.at(-1)?.seq ?? 0) >= lastSeq) ? true : undefined), 90_000);
    // Each edge streams from one replica; the lease records shared through etcd make every replica count it as leased.
    await waitFor('every replica counting every edge as leased', async () => {
      const views = await Promise.all(urls.map(async (u) => (await getJson(`${u}/edges`)).json.edges as Array<{ id: string; leaseValid: boolean }>));
      return views.every((v) => edges.every((e) => v.some((line) => line.id === e.id && line.leaseValid))) ? true : undefined;
    });

    process.stdout.write(
      `test:ha: ${load.accepted.length} purges accepted (202), ${load.failures} refused or cut off, last seq ${lastSeq}\n` +
        `test:ha: write pause at the etcd leader kill (${etcdLeader.name}): ${Math.round(load.pauseAround(etcdKillMs, etcdResumedMs))} ms\n` +
        `test:ha: write pause at the control-plane leader kill (${cpLeader.id}; ${newLeader} leads after it): ${Math.round(load.pauseAround(cpKillMs, cpResumedMs))} ms\n`,
    );

    const bySeq = new Map<number, Accepted>();
    const ids = new Set<string>();
    for (const a of load.accepted) {
      assert.not.ok(bySeq.has(a.seq), `seq ${a.seq} answered 202 twice`);
      assert.not.ok(ids.has(a.id), `purge id ${a.id} answered twice`);
      bySeq.set(a.seq, a);
      ids.add(a.id);
    }
    for (const edge of edges) {
      const seqs = edge.log.applied.map((x) => x.seq);
      const expected = Array.from({ length: lastSeq }, (_, i) => i + 1);
      if (seqs.length !== expected.length || seqs.some((s, i) => s !== expected[i])) {
        const bad = seqs.findIndex((s, i) => s !== i + 1);
        assert.unreachable(`${edge.id} applied ${seqs.length} purges for last seq ${lastSeq}; first out of place at index ${bad}: ${seqs.slice(Math.max(0, bad - 2), bad + 3).join(',')}`);
      }
      for (const a of load.accepted) assert.is(edge.log.applied[a.seq - 1]!.id, a.id, `${edge.id} applied ${a.id} at seq ${a.seq}`);
      for (let i = 0; i < lastSeq; i++) assert.is(edge.log.applied[i]!.id, edges[0]!.log.applied[i]!.id, `${edge.id} and ${edges[0]!.id} agree on seq ${i + 1}`);
      assert.equal(edge.log.flushes, [0], `${edge.id} flushed only at its fresh start (seq 0), got ${edge.log.flushes.join(',')}`);
    }

    // Receipts: whichever replica is asked, every 202'd purge reaches complete for all three edges
    // (acks go to one replica and are shared through etcd). A replica that just restarted keeps
    // receipts pending until leases another replica could have granted have run out.
    const pendingReceipts = new Set(load.accepted.map((a) => a.id));
    await waitFor('every receipt complete on every replica', async () => {
      const ids = [...pendingReceipts];
      for (let i = 0; i < ids.length; i += 32) {
        await Promise.all(
          ids.slice(i, i + 32).map(async (id) => {
            const answers = await Promise.all(urls.map((u) => getJson(`${u}/purges/${id}`)));
            const done = answers.every((r) => r.status === 200 && r.json.state === 'complete' && r.json.edges.length === 3 && r.json.edges.every((e: { applied: boolean }) => e.applied));
            if (done) pendingReceipts.delete(id);
          }),
        );
      }
      return pendingReceipts.size === 0 ? true : undefined;
    }, 90_000);
    process.stdout.write(`test:ha: ${load.accepted.length} receipts complete on all ${urls.length} replicas\n`);
  } catch (err) {
    for (const e of edges) process.stderr.write(`${e.id} stderr tail:\n${e.proc.stderrTail().split('\n').filter((l) => !l.includes('"purge applied"')).slice(-8).join('\n')}\n`);
    for (const r of replicas) process.stderr.write(`${r.id} stderr tail:\n${r.proc?.stderrTail().slice(-1500) ?? ''}\n`);
    throw err;
  } finally {
    await load?.stop();
    await kv.close();
    for (const e of edges) await stopProcess(e.proc);
    for (const r of replicas) if (r.proc !== undefined) await stopProcess(r.proc);
    await etcd.stopAll();
  }
});

test.run();
