/**
 * --compress in a real region on loopback (node:http or the own layer, undici, signed peer
 * requests): whichever edge a client asks, with whichever Accept-Encoding of the mix,
 * the origin is asked once, for identity; the owner compresses and the other edges relay.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startCluster } from '../../support/cluster-harness.js';
import { compressionOn } from '../../support/compression.js';

test('three edges, the mix and identity at each: one origin fetch, every answer decodes to the same body', async () => {
  const c = await startCluster(['e1', 'e2', 'e3'], {}, { edgeOverrides: { compression: compressionOn() } });
  try {
    const path = '/c/region-text';
    const target = `${path}?size=8192`;
    const bodies = new Set<string>();
    for (const node of c.nodes) {
      for (const [ae, expected] of [['gzip, deflate, br, zstd', 'br'], ['gzip', 'gzip'], ['identity', 'identity'], ['br;q=1.0, gzip;q=0.8, *;q=0.1', 'br']] as const) {
        const r = await c.get(node, target, { 'accept-encoding': ae });
        assert.is(r.status, 200);
        const ce = r.headers['content-encoding'];
        const plain = ce === 'br' ? brotliDecompressSync(r.body) : ce === 'gzip' ? gunzipSync(r.body) : r.body;
        bodies.add(plain.toString('base64'));
        assert.is(ce ?? 'identity', expected, `${node.id} ${ae}`);
        assert.match(r.headers['vary'] ?? '', /accept-encoding/i);
      }
    }
    assert.is(await c.originCount(path), 1, 'one origin fetch in the region');
    assert.is(bodies.size, 1, 'every coding decodes to the one body');
    const owner = c.nodes.filter((n) => n.edge.compression!.counts.compressed > 0);
    assert.is(owner.length, 1, 'one edge compressed');
    assert.is(owner[0]!.edge.compression!.counts.compressed, 2);
  } finally {
    await c.close();
  }
});

test.run();
