/**
 * A network attacker between edges (SECURITY.md: it can observe and replay, it cannot forge) who
 * captures one signed graceful-leave push cannot replay its signed fields with a body of its own:
 * the body's SHA-256 is a signed field (x-edgeworks-content-sha256), checked by the receiver; a
 * push without it is refused. The same push with its own body is stored, so the setup could plant one.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePush } from '../../../edge/pipeline/handover.js';
import { startCluster, type ClusterNode } from '../../support/cluster-harness.js';
import { afterE3Left, ownerOf, put, signedPush, stored } from './support/leaving-push.js';
import { openRaw, readUntil, splitResponses } from '../../support/raw-http.js';

const GENUINE = 'what e3 really pushed';
const PLANTED = 'planted by a replay';

function envelopeOf(text: string, extra: string[] = []): Buffer {
  return encodePush({
    status: 200,
    headers: ['content-type', 'text/plain', 'cache-control', 'public, max-age=600', ...extra],
    body: Buffer.from(text),
    outcome: { kind: 'hit', hit: true, detail: 'handover', bytes: text.length },
  });
}

test('a replayed signed push with a swapped body is refused, counted, and stores nothing', async () => {
  const c = await startCluster(['e1', 'e2', 'e3']);
  try {
    const { survivors, paths } = await afterE3Left(c);
    const path = paths[0]!;
    const owner = ownerOf(survivors, path);
    const captured = signedPush(c, path, envelopeOf(GENUINE));
    const status = await put(owner, path, captured, envelopeOf(PLANTED, ['x-attacker', '1']));
    assert.is(status, 400);
    assert.is(stored(owner, path), false, 'nothing stored');
    assert.is(owner.edge.metrics.pushesAccepted, 0);
    assert.is(owner.edge.metrics.peerAuthFailures['body-digest'], 1, 'counted as a peer-auth failure');
    const served = await c.get(owner, path);
    assert.is.not(served.body.toString(), PLANTED);
  } finally {
    await c.close();
  }
});

test('a signed push without the body digest is refused', async () => {
  const c = await startCluster(['e1', 'e2', 'e3']);
  try {
    const { survivors, paths } = await afterE3Left(c);
    const path = paths[0]!;
    const owner = ownerOf(survivors, path);
    assert.is(await put(owner, path, signedPush(c, path, undefined), envelopeOf(PLANTED)), 400);
    assert.is(stored(owner, path), false);
    assert.is(owner.edge.metrics.peerAuthFailures['body-digest'], 1);
  } finally {
    await c.close();
  }
});

test('the captured push with its own body is stored: the refusals above are the digest, not the setup', async () => {
  const c = await startCluster(['e1', 'e2', 'e3']);
  try {
    const { survivors, paths } = await afterE3Left(c);
    const path = paths[0]!;
    const owner = ownerOf(survivors, path);
    const body = envelopeOf(GENUINE);
    assert.is(await put(owner, path, signedPush(c, path, body), body), 201);
    assert.is(owner.edge.metrics.pushesAccepted, 1);
    assert.is((await c.get(owner, path)).body.toString(), GENUINE);
  } finally {
    await c.close();
  }
});

/** The raw bytes a client gets for `GET path` on `node`: one whole response, latin1. */
async function rawGet(node: ClusterNode, path: string): Promise<string> {
  const socket = await openRaw(Number(new URL(node.url).port));
  try {
    socket.write(`GET ${path} HTTP/1.1\r\nHost: edge.test\r\nConnection: close\r\n\r\n`);
    return (await readUntil(socket, () => false)).text;
  } finally {
    socket.destroy();
  }
}

/** Every line of the head is `token: field-content`, and there is exactly one Content-Length, equal to the body's length. */
function assertWellFormed(text: string, label: string): void {
  const end = text.indexOf('\r\n\r\n');
  assert.ok(end > 0, `${label}: a head`);
  const lines = text.slice(0, end).split('\r\n').slice(1);
  for (const line of lines) assert.ok(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+: [\t\x20-\x7e\x80-\xff]*$/.test(line), `${label}: well-formed line ${JSON.stringify(line)}`);
  assert.not.ok(/^set-cookie:/im.test(text.slice(0, end)), `${label}: no injected Set-Cookie`);
  assert.not.ok(/^x-edgeworks-/im.test(text.slice(0, end)), `${label}: no internal field reaches a client`);
  const lengths = lines.filter((l) => /^content-length:/i.test(l));
  assert.is(lengths.length, 1, `${label}: one Content-Length`);
  const { responses, rest } = splitResponses(text);
  assert.is(responses.length, 1, `${label}: one response`);
  assert.is(rest, '', `${label}: nothing after it`);
}

/** An envelope as a hostile (or broken) peer might write it, bypassing encodePush. */
function hostileEnvelope(headers: Array<[string, string]>, body = GENUINE): Buffer {
  return Buffer.from(JSON.stringify({ status: 200, headers, body: Buffer.from(body).toString('base64') }));
}

const ATTACKS: Array<[string, Array<[string, string]>]> = [
  ['U+010D U+010A in a value (CR LF in latin1)', [['cache-control', 'max-age=31536000'], ['x', 'a\u010d\u010aSet-Cookie: s=evil']]],
  ['a literal CR LF in a value', [['cache-control', 'max-age=31536000'], ['x', 'a\r\nSet-Cookie: s=evil']]],
  ['a name that is not a token', [['cache-control', 'max-age=31536000'], ['x\r\nSet-Cookie', 's=evil']]],
  ['Vary in upper case', [['cache-control', 'max-age=31536000'], ['VARY', 'cookie']]],
];

test('a correctly signed push whose envelope could split a response or bypass the no-Vary rule is refused; the next client gets a well-formed answer', async () => {
  const c = await startCluster(['e1', 'e2', 'e3']);
  try {
    const { survivors, paths } = await afterE3Left(c);
    for (const [i, [label, headers]] of ATTACKS.entries()) {
      const path = paths[i]!;
      const owner = ownerOf(survivors, path);
      const body = hostileEnvelope(headers);
      assert.is(await put(owner, path, signedPush(c, path, body), body), 400, label);
      assert.is(stored(owner, path), false, `${label}: nothing stored`);
      assertWellFormed(await rawGet(owner, path), label);
    }
    for (const n of survivors) assert.is(n.edge.metrics.pushesAccepted, 0, `${n.id} accepted no push`);
  } finally {
    await c.close();
  }
});

test('framing, hop-by-hop and internal fields in any case are dropped from a push; what is stored is served with one Content-Length and no internal field', async () => {
  const c = await startCluster(['e1', 'e2', 'e3']);
  try {
    const { survivors, paths } = await afterE3Left(c);
    const path = paths[0]!;
    const owner = ownerOf(survivors, path);
    const body = hostileEnvelope([
      ['Cache-Control', 'max-age=600'],
      ['X-Edgeworks-Purge-Seq', '1'],
      ['Content-Length', '0'],
      ['Transfer-Encoding', 'chunked'],
      ['Connection', 'close'],
      ['Content-Type', 'text/plain'],
    ]);
    assert.is(await put(owner, path, signedPush(c, path, body), body), 201);
    const text = await rawGet(owner, path);
    assertWellFormed(text, 'sanitized push');
    assert.ok(text.endsWith(`\r\n\r\n${GENUINE}`), 'the pushed body, whole');
    assert.ok(/^content-length: 21\r$/im.test(text), 'Content-Length of the body');
    assert.not.ok(/^transfer-encoding:/im.test(text), 'no Transfer-Encoding');
    assert.ok(/^cache-status: [^\r]*hit/im.test(text), 'served from the pushed copy');
  } finally {
    await c.close();
  }
});

test.run();
