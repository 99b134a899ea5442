/** Which 1xx responses the edge forwards, and with which fields (RFC 9110 §15.2, §7.6.1; RFC 8297). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HeaderList } from '../../../common/http.js';
import type { InformationalResponse } from '../../../common/ports.js';
import { informationalToForward, relayInformational } from '../../../edge/policy/informational.js';

const link: HeaderList = [['link', '</s.css>; rel=preload; as=style']];

const rows: Array<[string, InformationalResponse, InformationalResponse | undefined]> = [
  ['103 forwarded with its fields (RFC 8297 §2)', { status: 103, headers: [...link, ['x-my-header', 'test']] }, { status: 103, headers: [...link, ['x-my-header', 'test']] }],
  ['102 forwarded (RFC 9110 §15.2: a proxy forwards 1xx)', { status: 102, headers: [] }, { status: 102, headers: [] }],
  ['100 Continue is not forwarded: node answers Expect itself on each connection', { status: 100, headers: [] }, undefined],
  ['101 is not forwarded: the edge does not tunnel upgrades', { status: 101, headers: [['upgrade', 'websocket']] }, undefined],
  ['hop-by-hop fields and the ones Connection names are dropped (RFC 9110 §7.6.1)', { status: 103, headers: [...link, ['connection', 'x-hop'], ['x-hop', '1'], ['keep-alive', 'timeout=5']] }, { status: 103, headers: link }],
];
for (const [why, input, expected] of rows) {
  test(why, () => assert.equal(informationalToForward(input), expected));
}

test('relayInformational: nothing to relay to is no callback; otherwise only forwardable ones arrive', () => {
  assert.is(relayInformational(undefined), undefined);
  const got: number[] = [];
  const relay = relayInformational((info) => got.push(info.status))!;
  relay({ status: 100, headers: [] });
  relay({ status: 103, headers: link });
  assert.equal(got, [103]);
});

test.run();
