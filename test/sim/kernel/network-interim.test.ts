/**
 * The simulated network carries 1xx responses as the real transport does: a server's `interim`
 * reaches the sender's `onInformational`, in order, before the final response resolves; a sender
 * that did not ask for them is unaffected.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { InformationalResponse, OutboundResponse } from '../../../common/ports.js';
import { SimNetwork } from '../../../sim/kernel/network.js';
import { SimNode } from '../../../sim/kernel/node.js';
import { RandomStreams } from '../../../sim/kernel/random.js';
import { Scheduler } from '../../../sim/kernel/scheduler.js';

const latency = { baseMs: 5, jitterMs: 0 };
const links = { intraRegion: latency, interRegion: latency, toOrigin: latency, toControlPlane: latency, lossRate: 0, duplicateRate: 0 };
const timeouts = { connectMs: 1000, headersMs: 1000, bodyIdleMs: 1000 };

function world() {
  const scheduler = new Scheduler();
  const network = new SimNetwork(scheduler, new RandomStreams(1).stream('network'), links);
  const edge = new SimNode('e1', 'edge', 'r1', 'r1-e1.sim', scheduler);
  const origin = new SimNode('origin', 'origin', 'r1', 'origin.sim', scheduler);
  network.addNode(edge);
  network.addNode(origin);
  const hints: InformationalResponse[] = [{ status: 103, headers: [['link', '</a.css>; rel=preload']] }, { status: 103, headers: [['link', '</b.js>; rel=preload']] }];
  network.serve(origin, () => ({ status: 200, headers: [['content-length', '2']], chunks: [Buffer.from('ok')], interim: hints }));
  return { scheduler, transport: network.transportFor(edge) };
}

test('interim responses arrive in order, before the final response', async () => {
  const { scheduler, transport } = world();
  const seen: string[] = [];
  const pending = transport
    .request({ origin: 'http://origin.sim', method: 'GET', target: '/x', headers: [], timeouts, onInformational: (info) => seen.push(`${info.status} ${info.headers[0]![1]}`) })
    .then((res: OutboundResponse) => {
      seen.push(`final ${res.status}`);
      res.discard();
    });
  await scheduler.run(1000);
  await pending;
  assert.equal(seen, ['103 </a.css>; rel=preload', '103 </b.js>; rel=preload', 'final 200']);
});

test('a request without onInformational gets the final response alone', async () => {
  const { scheduler, transport } = world();
  const pending = transport.request({ origin: 'http://origin.sim', method: 'GET', target: '/x', headers: [], timeouts });
  await scheduler.run(1000);
  const res = await pending;
  assert.is(res.status, 200);
  res.discard();
});

test.run();
