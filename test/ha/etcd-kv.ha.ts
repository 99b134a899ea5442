/** The EtcdKv contract against a real etcd member through the JSON-gateway client (adapters/etcd-client.ts). */
import { test } from 'uvu';
import { EtcdClient } from '../../control-plane/adapters/etcd-client.js';
import { ETCD_KV_CONTRACT } from '../control-plane/support/etcd-kv-contract.js';
import { EtcdCluster } from './support/ha-cluster.js';

let etcd: EtcdCluster | undefined;
let client: EtcdClient | undefined;

test.before(async () => {
  etcd = await EtcdCluster.create(1);
  client = new EtcdClient({ endpoints: etcd.endpoints, requestTimeoutMs: 5_000 });
});

test.after(async () => {
  await client?.close();
  await etcd?.stopAll();
});

ETCD_KV_CONTRACT.forEach((c, i) => {
  test(`real etcd: ${c.name}`, async () => {
    await c.run(client!, `/contract/${i}/`);
  });
});

test.run();
