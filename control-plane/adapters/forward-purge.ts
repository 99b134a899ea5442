/**
 * How a follower replica hands purges to the leader replica (etcd store): batched as
 * `POST /purges/forwarded` on the leader's advertised URL (see etcd/forwarded-batch.ts), with
 * this region's bearer token. The leader appends them itself even if it has just lost the role
 * (no forwarding loops). A leader that does not know the batch route yet (404 or 405: an older version
 * mid-upgrade) gets one `POST /purges` with `x-edgeworks-forwarded: 1` per purge, as before.
 */
import { Pool } from 'undici';
import type { PurgeRequest } from '../../common/control-protocol.js';
import type { ForwardResult } from '../etcd/etcd-purge-log.js';
import { coalesceForwards, FORWARDED_BATCH_PATH, MAX_FORWARDED_PURGES, type ForwardedAnswer, type ForwardedBatchResult, type ForwardItem } from '../etcd/forwarded-batch.js';

export const FORWARDED_HEADER = 'x-edgeworks-forwarded';

/** Forwarded requests in flight to one leader; purges arriving meanwhile wait for the next one. */
const MAX_BATCHES_IN_FLIGHT = 4;

export function createPurgeForwarder(
  token: string,
  timeoutMs: number,
  maxBodyBytes: number,
): { forward: (leaderUrl: string, req: PurgeRequest, idempotencyKey: string | undefined) => Promise<ForwardResult>; close: () => Promise<void> } {
  const pools = new Map<string, Pool>();
  /** Leaders that answered 404 or 405 to the batch route (older versions). */
  const noBatchRoute = new Set<string>();
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
  type Sent = { kind: 'answered'; status: number; text: string } | { kind: 'not-sent'; message: string } | { kind: 'failed'; message: string };
  const post = async (leaderUrl: string, path: string, headers: Record<string, string>, body: string): Promise<Sent> => {
    try {
      const res = await poolFor(leaderUrl).request({
        path,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      return { kind: 'answered', status: res.statusCode, text: await res.body.text() };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT') return { kind: 'not-sent', message: `${leaderUrl}: ${code}` };
      return { kind: 'failed', message: `${leaderUrl}: ${(err as Error).message}` };
    }
  };
  const forwardOne = async (leaderUrl: string, item: ForwardItem): Promise<ForwardedAnswer | Exclude<Sent, { kind: 'answered' }>> => {
    const sent = await post(leaderUrl, '/purges', { [FORWARDED_HEADER]: '1', ...(item.idempotencyKey === undefined ? {} : { 'idempotency-key': item.idempotencyKey }) }, JSON.stringify(item.req));
    if (sent.kind !== 'answered') return sent;
    if (sent.status !== 202) return { status: sent.status, error: sent.text.slice(0, 200) };
    const answer = JSON.parse(sent.text) as { id: string; seq: number };
    return { status: 202, id: answer.id, seq: answer.seq };
  };
  const sendBatch = async (leaderUrl: string, items: ForwardItem[]): Promise<ForwardedBatchResult> => {
    if (!noBatchRoute.has(leaderUrl)) {
      const body = JSON.stringify({ purges: items.map((i) => (i.idempotencyKey === undefined ? { request: i.req } : { request: i.req, idempotencyKey: i.idempotencyKey })) });
      const sent = await post(leaderUrl, FORWARDED_BATCH_PATH, {}, body);
      if (sent.kind !== 'answered') return sent;
      if (sent.status === 200) return { kind: 'answered', answers: (JSON.parse(sent.text) as { answers: ForwardedAnswer[] }).answers };
      if (sent.status !== 404 && sent.status !== 405) return { kind: 'failed', message: `${leaderUrl} answered ${sent.status}: ${sent.text.slice(0, 200)}` };
      noBatchRoute.add(leaderUrl);
    }
    const each = await Promise.all(items.map((item) => forwardOne(leaderUrl, item)));
    // One purge not sent while others were: the batch as a whole may have been taken in part.
    if (each.every((r) => 'kind' in r && r.kind === 'not-sent')) return each[0] as ForwardedBatchResult;
    return { kind: 'answered', answers: each.map((r) => ('kind' in r ? { status: 503, error: r.message } : r)) };
  };
  return {
    forward: coalesceForwards(sendBatch, { maxPurges: MAX_FORWARDED_PURGES, maxBodyBytes, maxInFlight: MAX_BATCHES_IN_FLIGHT }),
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.destroy()));
      pools.clear();
    },
  };
}
