/**
 * A leaver's push that fails in transit (a lost connect, a reset) is tried once more with the
 * pushes the receiver refused with 421 (after PUSH_RETRY_DELAYS_MS[0]), reading the key from the
 * store again. It was counted as refused and never retried: cdn-sim swarm seed 319,
 * r2-e4's leave at 13.0 s with 1.1% packet loss, the push of /o/37 to r2-e2 timed out connecting,
 * and r2-e2 fetched the key from the origin 1.6 s later.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TransportError, type OutboundResponse } from '../../../common/ports.js';
import { PUSH_RETRY_DELAYS_MS, pushAll, type PushItem } from '../../../edge/pipeline/handover.js';
import type { EdgeResponse } from '../../../edge/pipeline/types.js';

const served = (v: string): EdgeResponse => ({ status: 200, headers: ['content-type', 'text/plain'], body: Buffer.from(v), outcome: { kind: 'hit', hit: true } }) as unknown as EdgeResponse;
const item = (target: string, v = 'v1'): PushItem => ({ target, owner: { id: 'e2', url: 'http://e2.test', weight: 1 }, served: served(v) });
const answer = (status: number): OutboundResponse => ({ status, headers: [], body: (async function* () {})(), discard: () => undefined }) as unknown as OutboundResponse;

/** Pushes `targets`; `fails(target, attempt)` says whether that attempt is lost in transit. */
async function push(targets: string[], fails: (target: string, attempt: number) => boolean) {
  const attempts = new Map<string, number>();
  const sleeps: number[] = [];
  const rereads: string[] = [];
  const report = await pushAll(
    targets.map((t) => item(t)),
    {
      selfId: 'e3',
      limits: { maxKeys: 100, maxBytes: 1 << 20, concurrency: 2 },
      keepGoing: () => true,
      sleep: async (ms) => void sleeps.push(ms),
      reread: (i) => (rereads.push(i.target), item(i.target, 'v1-reread')),
      send: async (_owner, target) => {
        const n = (attempts.get(target) ?? 0) + 1;
        attempts.set(target, n);
        if (fails(target, n)) throw new TransportError('connect-timeout', `connect to e2.test timed out after 500 ms`);
        return answer(201);
      },
    },
  );
  return { report, attempts, sleeps, rereads };
}

test('a push lost in transit once is pushed on the retry, from the store as it is then', async () => {
  const { report, attempts, rereads } = await push(['/a', '/b', '/c'], (t, n) => t === '/b' && n === 1);
  assert.is(report.pushed, 3, JSON.stringify(report));
  assert.is(report.refused, 0);
  assert.is(attempts.get('/b'), 2);
  assert.equal(rereads, ['/b']);
});

test('a receiver that never answers costs one more try per key, then the key counts as refused', async () => {
  const { report, attempts, sleeps } = await push(['/a', '/b'], (t) => t === '/b');
  assert.is(report.pushed, 1);
  assert.is(report.refused, 1);
  assert.is(attempts.get('/b'), 2);
  assert.equal(sleeps, [PUSH_RETRY_DELAYS_MS[0]]);
});

test.run();
