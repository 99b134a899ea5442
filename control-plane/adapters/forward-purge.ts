/**
 * How a follower replica hands a purge to the leader replica (etcd store): POST /purges on the
 * leader's advertised URL, with this region's bearer token and `x-edgeworks-forwarded: 1` so the
 * leader appends it itself even if it has just lost the role (no forwarding loops).
 */
import { Pool } from 'undici';
import type { PurgeRequest } from '../../common/control-protocol.js';
import type { ForwardResult } from '../etcd/etcd-purge-log.js';

export const FORWARDED_HEADER = 'x-edgeworks-forwarded';

export function createPurgeForwarder(token: string, timeoutMs: number): { forward: (leaderUrl: string, req: PurgeRequest, idempotencyKey: string | undefined) => Promise<ForwardResult>; close: () => Promise<void> } {
  const pools = new Map<string, Pool>();
  const poolFor = (url: string): Pool => {
    let pool = pools.get(url);
    if (pool === undefined) {
      // Leaders come and go; keep the last few connections only.
      if (pools.size >= 4) {
        const [oldUrl, oldPool] = pools.entries().next().value as [string, Pool];
        pools.delete(oldUrl);
        void oldPool.close();
      }
      pool = new Pool(url, { connections: 64, connectTimeout: 1_000 });
      pools.set(url, pool);
    }
    return pool;
  };
  return {
    async forward(leaderUrl, req, idempotencyKey) {
      let res;
      try {
        res = await poolFor(leaderUrl).request({
          path: '/purges',
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', [FORWARDED_HEADER]: '1', ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }) },
          body: JSON.stringify(req),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT') return { kind: 'not-sent', message: `${leaderUrl}: ${code}` };
        return { kind: 'failed', message: `${leaderUrl}: ${(err as Error).message}` };
      }
      const text = await res.body.text().catch(() => '');
      if (res.statusCode !== 202) return { kind: 'failed', message: `${leaderUrl} answered ${res.statusCode}: ${text.slice(0, 200)}` };
      const answer = JSON.parse(text) as { id: string; seq: number };
      return { kind: 'accepted', seq: answer.seq, id: answer.id };
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.destroy()));
      pools.clear();
    },
  };
}
