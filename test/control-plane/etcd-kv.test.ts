/** The EtcdKv contract against the in-memory etcd (the same cases run against real etcd in `npm run test:ha`). */
import { test } from 'uvu';
import { ETCD_KV_CONTRACT } from './support/etcd-kv-contract.js';
import { MemoryEtcd } from './support/memory-etcd.js';

for (const c of ETCD_KV_CONTRACT) {
  test(`memory etcd: ${c.name}`, async () => {
    await c.run(new MemoryEtcd().client(), '/contract/');
  });
}

test.run();
