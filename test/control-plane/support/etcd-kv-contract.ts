/**
 * One contract for the EtcdKv port, run against the in-memory etcd in `npm test`
 * (test/control-plane/etcd-kv.test.ts) and against a real etcd 3.4 member in `npm run test:ha`
 * (test/ha/etcd-kv.ha.ts), so the fake the store's tests rely on keeps etcd's rules.
 */
import * as assert from 'uvu/assert';
import { prefixEnd, type EtcdKv, type WatchEnd, type WatchEvent } from '../../../control-plane/etcd/etcd-kv.js';

export interface ContractCase {
  name: string;
  run(kv: EtcdKv, prefix: string): Promise<void>;
}

/**
 * Resolves when `check` holds. No deadline: a bound on wall time would pass or fail with the
 * machine's speed; a condition that never holds hangs the test, which the runner (and
 * `npm run test:stress`) reports. The 5 ms pause only spaces the checks of a real etcd's watch.
 */
async function until(check: () => boolean, what: string): Promise<void> {
  void what; // named at each call site for the reader of a hung run
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

export const ETCD_KV_CONTRACT: ContractCase[] = [
  {
    name: 'range reads keys in key order, with limit and more',
    async run(kv, p) {
      await kv.txn([], ['b', 'a', 'c'].map((k) => ({ put: { key: `${p}${k}`, value: k.toUpperCase() } })), []);
      const all = await kv.range(p, { rangeEnd: prefixEnd(p) });
      assert.equal(all.kvs.map((x) => [x.key.slice(p.length), x.value]), [['a', 'A'], ['b', 'B'], ['c', 'C']]);
      assert.is(all.more, false);
      const page = await kv.range(p, { rangeEnd: prefixEnd(p), limit: 2 });
      assert.equal(page.kvs.map((x) => x.key.slice(p.length)), ['a', 'b']);
      assert.is(page.more, true);
      assert.equal((await kv.range(`${p}missing`)).kvs, []);
    },
  },
  {
    name: 'a descending range with limit 1 finds the last key at or below a bound (the batch holding a seq)',
    async run(kv, p) {
      await kv.txn([], ['0001', '0018', '0035'].map((k) => ({ put: { key: `${p}${k}`, value: k } })), []);
      const holding = async (bound: string) => (await kv.range(p, { rangeEnd: `${p}${bound}\0`, limit: 1, descending: true })).kvs.map((x) => x.value);
      assert.equal(await holding('0020'), ['0018']);
      assert.equal(await holding('0018'), ['0018'], 'the bound itself is in the range');
      assert.equal(await holding('0099'), ['0035']);
      assert.equal(await holding('0000'), [], 'nothing at or below');
    },
  },
  {
    name: 'txn: compare on value and on create revision picks the branch; the failure branch reads',
    async run(kv, p) {
      const created = await kv.txn([{ key: `${p}k`, target: 'createRevision', equals: 0 }], [{ put: { key: `${p}k`, value: '1' } }], [{ range: { key: `${p}k` } }]);
      assert.is(created.succeeded, true);
      const again = await kv.txn([{ key: `${p}k`, target: 'createRevision', equals: 0 }], [{ put: { key: `${p}k`, value: '2' } }], [{ range: { key: `${p}k` } }]);
      assert.is(again.succeeded, false);
      assert.is(again.ranges[0]?.[0]?.value, '1');
      const cas = await kv.txn([{ key: `${p}k`, target: 'value', equals: '1' }], [{ put: { key: `${p}k`, value: '3' } }], []);
      assert.is(cas.succeeded, true);
      const stale = await kv.txn([{ key: `${p}k`, target: 'value', equals: '1' }], [{ put: { key: `${p}k`, value: '4' } }], [{ range: { key: `${p}k` } }, { range: { key: `${p}none` } }]);
      assert.is(stale.succeeded, false);
      assert.equal(stale.ranges.map((r) => r.map((x) => x.value)), [['3'], []]);
      assert.ok(stale.revision >= cas.revision);
    },
  },
  {
    name: 'watch from a revision replays history in order, then follows; deletes are reported',
    async run(kv, p) {
      const first = await kv.txn([], [{ put: { key: `${p}w1`, value: 'a' } }], []);
      await kv.txn([], [{ put: { key: `${p}w2`, value: 'b' } }], []);
      const seen: WatchEvent[] = [];
      const handle = kv.watch(p, prefixEnd(p), first.revision, (events) => void seen.push(...events), () => undefined);
      await until(() => seen.length >= 2, 'the replayed puts');
      await kv.txn([], [{ deleteRange: { key: `${p}w1` } }, { put: { key: `${p}w3`, value: 'c' } }], []);
      await until(() => seen.length >= 4, 'the live delete and put');
      handle.cancel();
      assert.equal(seen.map((e) => [e.type, e.kv.key.slice(p.length)]), [['put', 'w1'], ['put', 'w2'], ['delete', 'w1'], ['put', 'w3']]);
      assert.ok(seen[1]!.kv.modRevision > seen[0]!.kv.modRevision);
    },
  },
  {
    name: 'a watch from a compacted revision ends as compacted; the keys are still there',
    async run(kv, p) {
      const old = await kv.txn([], [{ put: { key: `${p}c`, value: '1' } }], []);
      const later = await kv.txn([], [{ put: { key: `${p}c`, value: '2' } }], []);
      await kv.compact(later.revision);
      let end: WatchEnd | undefined;
      const handle = kv.watch(p, prefixEnd(p), old.revision, () => undefined, (e) => void (end = e));
      await until(() => end !== undefined, 'the compacted end');
      handle.cancel();
      assert.is(end!.kind, 'compacted');
      assert.is((await kv.range(`${p}c`)).kvs[0]?.value, '2');
    },
  },
  {
    name: 'keys put with a lease go when it is revoked; keep-alive of a gone lease answers 0',
    async run(kv, p) {
      const lease = await kv.leaseGrant(30);
      await kv.txn([], [{ put: { key: `${p}l`, value: 'x', lease } }], []);
      assert.ok((await kv.leaseKeepAlive(lease)) > 0);
      await kv.leaseRevoke(lease);
      assert.equal((await kv.range(`${p}l`)).kvs, []);
      assert.is(await kv.leaseKeepAlive(lease), 0);
    },
  },
];
