import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseEdgeNodeFlags } from '../../../loadtests/bench/edge-node-flags.js';

test('no value or only spaces gives no flags', () => {
  assert.equal(parseEdgeNodeFlags(undefined), { ok: true, flags: [] });
  assert.equal(parseEdgeNodeFlags('  '), { ok: true, flags: [] });
});

test('flags are split on whitespace, with values kept', () => {
  assert.equal(parseEdgeNodeFlags(' --trace-gc  --single-threaded --max-old-space-size=512 '), { ok: true, flags: ['--trace-gc', '--single-threaded', '--max-old-space-size=512'] });
});

test('a word, a script or a short flag is refused, naming it and the option', () => {
  for (const bad of ['-e', 'script.js', '--eval=process.exit()', '--trace-gc x', '--require=./evil.js;', '---x']) {
    const r = parseEdgeNodeFlags(bad);
    assert.is(r.ok, false, bad);
    if (!r.ok) assert.match(r.message, /BENCH_EDGE_NODE_FLAGS \/ --edge-node-flags: ".*" is not a node flag/);
  }
});

test.run();
