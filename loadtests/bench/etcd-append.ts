/**
 * The etcd store's append path alone (issue 15): one `EtcdPurgeLog` in this process on 3 real
 * etcd members, `BENCH_ETCD_APPENDERS` (64) appends in flight, no HTTP, no edges, no followers.
 * Prints purges/s, transactions, purges per transaction and transaction latency for each
 * `maxTxnsInFlight` in `BENCH_ETCD_IN_FLIGHT` (1,4), so a slow purge bench can be split into
 * "etcd and the sequencer" and "everything around them".
 *
 *   node dist/loadtests/bench/etcd-append.js   (needs `etcd` on PATH; binds 127.0.0.1 only)
 *   BENCH_ETCD_SECONDS (5) BENCH_ETCD_APPENDERS (64) BENCH_ETCD_IN_FLIGHT (1,4)
 *   BENCH_ETCD_MIN_RECORDS (16: pipelineMinRecords)
 */
import { performance } from 'node:perf_hooks';
import { systemClock, systemTimers } from '../../common/adapters/system-clock.js';
import type { Logger } from '../../common/ports.js';
import { EtcdClient } from '../../control-plane/adapters/etcd-client.js';
import type { Compare, TxnOp, TxnResult } from '../../control-plane/etcd/etcd-kv.js';
import { ETCD_LOG_DEFAULTS, EtcdPurgeLog } from '../../control-plane/etcd/etcd-purge-log.js';
import { EtcdCluster } from './etcd-cluster.js';
import { distribution } from './stats.js';

const quiet: Logger = { log: () => undefined };
const num = (name: string, dflt: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? dflt : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: expected a positive number, got ${JSON.stringify(raw)}`);
  return value;
};

async function runOnce(endpoints: string[], inFlight: number, seconds: number, appenders: number, minRecords: number): Promise<string> {
  const kv = new EtcdClient({ endpoints, requestTimeoutMs: 2_000 });
  const txnMs: number[] = [];
  let txnPurges = 0;
  // Times every append transaction (the ones that compare on last-seq) as the leader sees it.
  const txn = kv.txn.bind(kv);
  kv.txn = async (compare: Compare[], success: TxnOp[], failure: TxnOp[]): Promise<TxnResult> => {
    const startedMs = performance.now();
    try {
      return await txn(compare, success, failure);
    } finally {
      if (compare.some((c) => c.target === 'value')) {
        txnMs.push(performance.now() - startedMs);
        // One put holds the whole batch (etcd-purge-log.ts: batches/<first seq>), the other is last-seq.
        const batch = success.find((op) => 'put' in op && op.put.key.includes('/batches/'));
        if (batch !== undefined && 'put' in batch) txnPurges += (JSON.parse(batch.put.value) as { purges: unknown[] }).purges.length;
      }
    }
  };
  const log = await EtcdPurgeLog.open(
    { kv, clock: systemClock, timers: systemTimers, logger: quiet },
    { ...ETCD_LOG_DEFAULTS, maxTxnsInFlight: inFlight, pipelineMinRecords: minRecords, prefix: `/bench-append-${inFlight}/`, replicaId: 'bench', incarnation: 'bench', retainCount: 1_000_000, maxPendingAppends: 100_000, newLogId: () => `bench-${inFlight}` },
  );
  const endMs = performance.now() + seconds * 1000;
  let accepted = 0;
  const ackMs: number[] = [];
  await Promise.all(
    Array.from({ length: appenders }, async (_, worker) => {
      while (performance.now() < endMs) {
        const startedMs = performance.now();
        await log.append({ kind: 'url', values: [`example.com/${worker}/${accepted}`], soft: false }, systemClock.wallMs());
        ackMs.push(performance.now() - startedMs);
        accepted++;
      }
    }),
  );
  await log.close();
  await kv.close();
  const txns = distribution(txnMs);
  const acks = distribution(ackMs);
  return (
    `maxTxnsInFlight ${inFlight}: ${Math.round(accepted / seconds)} purges/s; ${txnMs.length} transactions, ${(txnPurges / Math.max(1, txnMs.length)).toFixed(1)} purges each; ` +
    `transaction p50 ${txns.p50.toFixed(1)} ms p99 ${txns.p99.toFixed(1)} ms; append -> ack p50 ${acks.p50.toFixed(1)} ms p99 ${acks.p99.toFixed(1)} ms`
  );
}

async function main(): Promise<void> {
  const seconds = num('BENCH_ETCD_SECONDS', 5);
  const appenders = num('BENCH_ETCD_APPENDERS', 64);
  const minRecords = num('BENCH_ETCD_MIN_RECORDS', ETCD_LOG_DEFAULTS.pipelineMinRecords);
  const inFlights = (process.env['BENCH_ETCD_IN_FLIGHT'] ?? '1,4').split(',').map((s) => Number(s.trim()));
  if (inFlights.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`BENCH_ETCD_IN_FLIGHT: expected integers >= 1, got ${process.env['BENCH_ETCD_IN_FLIGHT']}`);
  process.stdout.write(`etcd append bench: ${JSON.stringify({ seconds, appenders, minRecords, inFlights })}\n`);
  const cluster = await EtcdCluster.create(3);
  try {
    for (const inFlight of inFlights) process.stdout.write(`${await runOnce(cluster.endpoints, inFlight, seconds, appenders, minRecords)}\n`);
  } finally {
    await cluster.stopAll();
  }
}

await main();
