/**
 * --compress through the real client layer (node:http or the own HTTP/1.1 server, whichever the
 * harness runs) and undici to a loopback origin: what a browser sees on the wire. One origin
 * request, asked identity; each coding decodes to the origin's body; Range on the br copy.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { compressionOn } from '../../support/compression.js';
import { startScriptedEdge } from '../../support/scripted-edge-harness.js';

const BODY = 'All happy families are alike; each unhappy family is unhappy in its own way.\n'.repeat(60);

test('over HTTP: the mix gets br and gzip from one identity fetch; Range on the br copy', async () => {
  const h = await startScriptedEdge({ overrides: { compression: compressionOn() } });
  try {
    const uuid = 'compress-http-1';
    h.origin.script(uuid, [{ response_headers: [['Cache-Control', 'max-age=600'], ['Content-Type', 'text/plain'], ['ETag', '"tolstoy"']], response_body: BODY }]);
    const url = `${h.edgeUrl}/test/${uuid}`;
    const codings: string[] = [];
    let brLength = 0;
    for (const ae of ['gzip, deflate, br, zstd', 'gzip, deflate, br', 'br;q=1.0, gzip;q=0.8, *;q=0.1', 'gzip', 'identity']) {
      const res = await request(url, { headers: { 'accept-encoding': ae, 'req-num': '1' } });
      const body = Buffer.from(await res.body.arrayBuffer());
      const ce = res.headers['content-encoding'] as string | undefined;
      codings.push(`${ce ?? 'identity'} ${String(res.headers['etag'])}`);
      const plain = ce === 'br' ? brotliDecompressSync(body) : ce === 'gzip' ? gunzipSync(body) : body;
      assert.is(plain.toString(), BODY, ae);
      assert.is(Number(res.headers['content-length']), body.length);
      if (ce === 'br') brLength = body.length;
    }
    assert.equal(codings, ['br "tolstoy-br"', 'br "tolstoy-br"', 'br "tolstoy-br"', 'gzip "tolstoy-gz"', 'identity "tolstoy"']);
    const seen = h.origin.requests(uuid);
    assert.is(seen.length, 1, 'one origin request');
    assert.is(seen[0]!.headers['accept-encoding'], 'identity');
    const part = await request(url, { headers: { 'accept-encoding': 'br', range: 'bytes=5-14', 'req-num': '1' } });
    assert.is(part.statusCode, 206);
    assert.is(part.headers['content-range'], `bytes 5-14/${brLength}`);
    assert.is(part.headers['content-encoding'], 'br');
    assert.is(Buffer.from(await part.body.arrayBuffer()).length, 10);
  } finally {
    await h.close();
  }
});

test.run();
