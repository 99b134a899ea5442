import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requestHeadersOf } from '../../../sim/kernel/wire.js';

test('requestHeadersOf lower-cases names and combines repeats as a server layer does, whatever the case', () => {
  const lower = requestHeadersOf([['host', 'a'], ['accept', 'x'], ['accept', 'y']]);
  assert.equal({ ...lower }, { host: 'a', accept: 'x, y' });
  const mixed = requestHeadersOf([['Host', 'a'], ['host', 'b'], ['Accept', 'x'], ['ACCEPT', 'y'], ['X-Sim-Version', '3']]);
  // Host is first-only, as node:http keeps it; the others combine under their lower-case name.
  assert.equal({ ...mixed }, { host: 'a', accept: 'x, y', 'x-sim-version': '3' });
});

test.run();
