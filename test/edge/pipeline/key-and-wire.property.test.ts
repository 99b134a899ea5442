/**
 * Properties of issue 11 over generated targets, Hosts and header sets, through the real Edge
 * with an in-memory transport that records what the edge forwards:
 *  (a) the key a request is stored under is the key of the request the edge forwards, and the
 *      stored Vary values are those of the forwarded request;
 *  (b) two spellings with one key forward the same target bytes (and equivalent spellings, by
 *      RFC 3986 §6.2.2, do share one key);
 *  a refused request forwards nothing and stores nothing.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HeaderList } from '../../../common/http.js';
import type { OutboundRequest, Transport } from '../../../common/ports.js';
import { Edge } from '../../../edge/pipeline/edge.js';
import { hopByHopNames } from '../../../edge/policy/hop-by-hop.js';
import { parseRequestTarget } from '../../../edge/policy/request-target.js';
import { FakeClock } from '../../support/fake-clock.js';
import { testEdgeOptions } from '../../support/test-edge-options.js';
import { reportRuns } from '../property-settings.js';

/** A transport that answers every request with a small cacheable response varying on x-lang and accept. */
function recordingTransport(): { transport: Transport; sent: OutboundRequest[] } {
  const sent: OutboundRequest[] = [];
  const transport: Transport = {
    async request(req) {
      sent.push(req);
      const headers: HeaderList = [['cache-control', 'max-age=300'], ['vary', 'x-lang, accept'], ['content-length', '2']];
      return { status: 200, headers, body: (async function* () { yield Buffer.from('ok'); })(), discard: () => undefined };
    },
    close: async () => undefined,
  } as Transport;
  return { transport, sent };
}

function edgeWith(keyHost: 'origin' | 'request') {
  const { transport, sent } = recordingTransport();
  const edge = new Edge({ ...testEdgeOptions({ cacheName: 'p', originUrl: 'http://127.0.0.1:1', clock: new FakeClock(), transport }), keyHost });
  return { edge, sent };
}

const PIECES = [
  'a', 'B', '0', '-', '_', '~', '.', '..', '/', '//', '%2e', '%2E', '%2f', '%2F', '%7e', '%7E', '%41', '%c3%a9', '%zz', '%', '%4',
  '\\', '#', '?', '&', '=', '"', '|', ';', '@', ':', '+', '!', '$', "'", '(', '*', ',', ' ', '\t', '\u0001', '\u007f', '\u00e9', '[', ']',
];
const piece = fc.constantFrom(...PIECES);
const originForm = fc.array(piece, { maxLength: 12 }).map((ps) => `/${ps.join('')}`);
const target = fc.oneof(
  { weight: 6, arbitrary: originForm },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('http://', 'HTTPS://', 'ftp://'), fc.constantFrom('a.example', 'B.example:80', 'u@h', 'h:99999', ''), originForm).map(([s, h, p]) => `${s}${h}${p}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constant('*') },
);
const host = fc.oneof(
  fc.constantFrom('a.example', 'A.Example:80', 'a.example:8080', 'a.example:', 'a.example/x', 'u@a.example', '[::1]:80', '', 'a b', 'a.example:99999', '127.0.0.1'),
  fc.string({ maxLength: 12 }),
);
const FIELD_NAMES = ['x-lang', 'accept', 'cache-control', 'host', 'te', 'keep-alive', 'upgrade', 'x-other'];
const headerSet = fc.record(
  {
    connection: fc.array(fc.constantFrom(...FIELD_NAMES, 'close', 'X-Lang', 'ACCEPT'), { maxLength: 3 }).map((names) => names.join(', ')),
    'x-lang': fc.constantFrom('de', 'en', ' de , en '),
    accept: fc.constantFrom('text/html', '*/*'),
    te: fc.constant('trailers'),
    'keep-alive': fc.constant('timeout=5'),
    'x-other': fc.constant('1'),
  },
  { requiredKeys: [] },
);

function forwardedHeader(headers: HeaderList, name: string): string | undefined {
  const values = headers.filter(([n]) => n === name).map(([, v]) => v);
  return values.length === 0 ? undefined : values.join(', ');
}

test('(a) the key of a request is the key of the request the edge forwards; Vary values are the forwarded ones', async () => {
  await fc.assert(
    fc.asyncProperty(target, fc.option(host, { nil: undefined }), headerSet, fc.constantFrom('origin', 'request') as fc.Arbitrary<'origin' | 'request'>, async (t, h, extra, keyHost) => {
      const { edge, sent } = edgeWith(keyHost);
      const headers: Record<string, string> = { ...extra };
      if (h !== undefined) headers['host'] = h;
      const res = await edge.handle({ method: 'GET', target: t, headers });
      const keys = [...edge.store.keys()];
      if (res.status !== 200) {
        assert.is(sent.length, 0, 'a refused request forwards nothing');
        assert.is(keys.length, 0, 'a refused request stores nothing');
        return;
      }
      assert.is(sent.length, 1);
      const out = sent[0]!;
      // The forwarded target is canonical: admitting it again changes nothing.
      const again = parseRequestTarget(out.target);
      assert.ok(again.form === 'origin' && again.target === out.target, `forwarded ${JSON.stringify(out.target)} is canonical`);
      const forwardedHost = keyHost === 'origin' ? undefined : forwardedHeader(out.headers, 'host');
      assert.equal(keys, [edge.control.keyFor(forwardedHost, out.target)], 'stored under the key of the forwarded request');
      // Nothing named in Connection (nor the fixed hop-by-hop set) went upstream. Host is the
      // exception by design: an absolute-form authority is the Host (RFC 9112 §3.2.2) whatever the
      // client's Host field said; that it is the keyed one is checked above.
      for (const name of hopByHopNames(headers['connection'])) {
        if (name !== 'host') assert.is(forwardedHeader(out.headers, name), undefined, name);
      }
      const stored = edge.store.variants(keys[0]!)[0]!;
      assert.equal([...stored.varyValues], ['x-lang', 'accept'].map((n) => forwardedHeader(out.headers, n)?.trim().replace(/[ \t]*,[ \t]*/g, ', ')));
    }),
  );
});

/** Equivalent spellings of one path by RFC 3986 §6.2.2: encoded unreserved characters, hex case, dot segments. */
const WORD = fc.stringMatching(/^[A-Za-z0-9\-_~][A-Za-z0-9\-_~.]{0,5}$/);
const RESERVED_ENCODED = fc.constantFrom('%2F', '%3F', '%23', '%25', '%26', '%3D');
const segment = fc.array(fc.oneof({ weight: 4, arbitrary: WORD }, { weight: 1, arbitrary: RESERVED_ENCODED }), { minLength: 1, maxLength: 3 }).map((p) => p.join(''));
const path = fc.array(segment, { minLength: 1, maxLength: 4 });

function respell(segments: readonly string[], choices: readonly number[]): string {
  let n = 0;
  const pick = () => choices[n++ % choices.length]!;
  const out: string[] = [];
  for (const seg of segments) {
    if (pick() % 4 === 0) out.push('.');
    if (pick() % 5 === 0) out.push('junk', '..');
    let spelled = '';
    for (let i = 0; i < seg.length; i++) {
      if (seg[i] === '%') {
        const hex = seg.slice(i + 1, i + 3);
        spelled += `%${pick() % 2 === 0 ? hex.toLowerCase() : hex}`;
        i += 2;
      } else if (pick() % 3 === 0) {
        const hex = seg.charCodeAt(i).toString(16).padStart(2, '0');
        spelled += `%${pick() % 2 === 0 ? hex : hex.toUpperCase()}`;
      } else spelled += seg[i];
    }
    out.push(spelled);
  }
  return `/${out.join('/')}`;
}

test('(b) equivalent spellings share one key, and requests with one key forward the same target bytes', async () => {
  await fc.assert(
    fc.asyncProperty(path, fc.array(fc.nat(), { minLength: 1, maxLength: 16 }), fc.array(fc.nat(), { minLength: 1, maxLength: 16 }), async (segments, c1, c2) => {
      const first = edgeWith('request');
      const second = edgeWith('request');
      const [t1, t2] = [respell(segments, c1), respell(segments, c2)];
      const r1 = await first.edge.handle({ method: 'GET', target: t1, headers: { host: 'a.example' } });
      const r2 = await second.edge.handle({ method: 'GET', target: t2, headers: { host: 'A.EXAMPLE:80' } });
      assert.is(r1.status, 200, t1);
      assert.is(r2.status, 200, t2);
      assert.equal([...first.edge.store.keys()], [...second.edge.store.keys()], `${t1} and ${t2} share a key`);
      assert.is(first.sent[0]!.target, second.sent[0]!.target);
      assert.is(forwardedHeader(first.sent[0]!.headers, 'host'), forwardedHeader(second.sent[0]!.headers, 'host'));
    }),
  );
});

reportRuns('key-and-wire.property', 2);
test.run();
