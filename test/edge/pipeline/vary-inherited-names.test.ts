/**
 * An origin's Vary may name any field, also one that is a property every plain object inherits
 * (constructor, toString, __proto__). node:http and the HTTP/2 layer hand the pipeline header
 * objects that inherit Object.prototype, so such a name must read as an absent field, not as the
 * inherited function or object: before, the edge threw on every request for that URL.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { OutboundRequest, OutboundResponse, Transport } from '../../../common/ports.js';
import { Edge } from '../../../edge/pipeline/edge.js';
import { varyValues } from '../../../edge/policy/vary.js';
import { FakeClock } from '../../support/fake-clock.js';
import { testEdgeOptions } from '../../support/test-edge-options.js';

/** Names Object.prototype has; Vary's names are lower-cased (parseVary), so only the lower-case ones reach a lookup from a response. */
const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
const INHERITED_LOWER_CASE = INHERITED.filter((n) => n === n.toLowerCase());

function originVaryingOn(vary: string, clock: FakeClock, fetches: { n: number }): Transport {
  return {
    async request(_req: OutboundRequest): Promise<OutboundResponse> {
      fetches.n++;
      const body = Buffer.from('hello');
      return {
        status: 200,
        headers: [['cache-control', 'max-age=600'], ['vary', vary], ['content-length', String(body.length)], ['date', new Date(clock.wallMs()).toUTCString()]],
        body: (async function* () {
          yield body;
        })(),
        discard: () => undefined,
      };
    },
    close: async () => undefined,
  };
}

test('varyValues reads a name every plain object inherits as an absent field', () => {
  assert.equal(varyValues(INHERITED, { host: 'x' }), INHERITED.map(() => undefined));
});

for (const name of INHERITED_LOWER_CASE) {
  test(`Vary: ${name} on a plain-object request (node:http, HTTP/2): answered, stored, then a hit`, async () => {
    const clock = new FakeClock();
    const fetches = { n: 0 };
    const edge = new Edge(testEdgeOptions({ cacheName: 'e', originUrl: 'http://127.0.0.1:9', clock, transport: originVaryingOn(name, clock, fetches) }));
    const outcomes: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await edge.handle({ method: 'GET', target: '/v', headers: { host: 'x' } });
      assert.is(res.status, 200);
      if (res.body !== undefined && !Buffer.isBuffer(res.body)) for await (const _ of res.body);
      outcomes.push(res.outcome.kind);
    }
    assert.is(fetches.n, 1, outcomes.join(', '));
    assert.equal(outcomes, ['miss', 'hit']);
  });
}

test.run();
