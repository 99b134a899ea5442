/** The header object the own layer hands the pipeline: node:http's combining rules, and no inherited names. */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMON_NAMES, OTHER_NAME_RANK } from '../../../edge/pipeline/common-field-names.js';
import { addField, canonicalOrder, emptyHeaderObject, HEADER_BAG_FIELDS, headerObject } from '../../../edge/pipeline/incoming-request.js';

test('repeated fields combine as node:http combines them: Cookie with "; ", Set-Cookie as a list, first-only fields keep the first, others with ", "', () => {
  const h = headerObject([['cookie', 'a=1'], ['cookie', 'b=2'], ['set-cookie', 'x'], ['set-cookie', 'y'], ['host', 'a'], ['host', 'b'], ['accept', 'text/html'], ['accept', '*/*']]);
  assert.equal({ ...h }, { cookie: 'a=1; b=2', 'set-cookie': ['x', 'y'], host: 'a', accept: 'text/html, */*' });
});

test('a client cannot reach Object.prototype: __proto__, constructor and toString are fields like any other, and nothing is inherited', () => {
  const h = headerObject([['__proto__', 'p'], ['constructor', 'c'], ['x', '1']]);
  assert.equal(Object.keys(h), ['__proto__', 'constructor', 'x']);
  assert.is(h['__proto__'], 'p');
  assert.is(h['constructor'], 'c');
  assert.is(h['toString'], undefined);
  assert.is(h['hasOwnProperty'], undefined);
  const names: string[] = [];
  for (const name in h) names.push(name);
  assert.equal(names, ['__proto__', 'constructor', 'x']);
  assert.is(Object.getPrototypeOf(Object.getPrototypeOf(h)), null);
  assert.is(headerObject([])['valueOf'], undefined);
});

test('canonicalOrder is a stable sort by rank, linear whatever the order: a hostile head of alternating other and common names comes out as a stable sort would put it', () => {
  for (const n of [0, 1, 7, 10_000]) {
    // Other names (the highest rank) first and between repeats of common ones: the order an insertion sort took quadratic time on.
    const ranks = Array.from({ length: n }, (_x, i) => (i % 2 === 0 ? OTHER_NAME_RANK : (i * 7) % OTHER_NAME_RANK));
    const expected = Array.from({ length: n }, (_x, i) => i).sort((a, b) => ranks[a]! - ranks[b]!);
    assert.equal(canonicalOrder(ranks, n, []), expected, `n = ${n}`);
  }
  // A longer scratch array than n: only the first n ranks count.
  assert.equal(canonicalOrder([2, 0, 1, 0, 5], 3, [9, 9, 9, 9, 9]), [1, 2, 0]);
});

test('canonical field order: the common names in COMMON_NAMES order, then every other name in received order, whatever order they came in', () => {
  const h = headerObject([['x-b', '1'], ['user-agent', 'u'], ['x-a', '2'], ['host', 'h'], ['accept', 'a'], ['cookie', 'c1'], ['x-b', '3'], ['cookie', 'c2']]);
  assert.equal(Object.keys(h), ['host', 'accept', 'cookie', 'user-agent', 'x-b', 'x-a']);
  // Fields of one name keep their received order: the combined values are those of received order.
  assert.equal({ ...h }, { accept: 'a', cookie: 'c1; c2', host: 'h', 'user-agent': 'u', 'x-b': '1, 3', 'x-a': '2' });
  assert.equal(Object.keys(h).filter((n) => COMMON_NAMES.includes(n)), [...COMMON_NAMES].filter((n) => n in h));
  assert.equal(canonicalOrder([3, 1, 3, 0, 1], 5, []), [3, 1, 4, 0, 2]);
});

test('the room reserved inside header objects holds no field: an object has exactly the fields received, one or many', () => {
  for (const n of [0, 1, HEADER_BAG_FIELDS, HEADER_BAG_FIELDS + 5]) {
    const h = emptyHeaderObject();
    for (let i = 0; i < n; i++) h[`f${i}`] = `v${i}`;
    assert.equal(Object.keys(h), Array.from({ length: n }, (_x, i) => `f${i}`));
    for (const name of ['r0', 'r15', 'room-0', 'room-15']) assert.not.ok(name in h, name);
    assert.is(Object.getPrototypeOf(Object.getPrototypeOf(h)), null);
  }
});

const incomingRequestUrl = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'edge', 'pipeline', 'incoming-request.js')).href;

test('a browser\'s 15 fields sit inside the header object even after the first requests had 2 (V8\'s own account, --allow-natives-syntax)', () => {
  // An edge's first requests (its fill, a health check) have few fields; V8 then shrinks every
  // later header object to that room, and the rest go to a separate store regrown as it fills.
  const script = `import { emptyHeaderObject } from '${incomingRequestUrl}';
    const filled = (names) => { const h = emptyHeaderObject(); for (const name of names) h[name] = 'v'; return h; };
    for (let i = 0; i < 20; i++) filled(['host', 'accept']);
    %DebugPrint(filled(Array.from({ length: 15 }, (_x, i) => 'field-' + i)));`;
  const run = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
  assert.is(run.status, 0, run.stderr);
  const m = /- inobject properties: (\d+)/.exec(run.stdout);
  assert.ok(m !== null, run.stdout.slice(0, 500));
  assert.ok(Number(m![1]) >= 15, `in-object room for ${m![1]} fields`);
  assert.not.match(run.stdout, /location: properties\[/);
});

const parserUrl = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'edge', 'adapters', 'http1', 'parser.js')).href;

test('the same fields in another order make a header object of the same hidden class, from the parser and from a field list, as long as the names outside COMMON_NAMES come in one order (V8\'s own account, --allow-natives-syntax)', () => {
  // A new class per client's field order deoptimized the hit path at every new order (issue 16).
  // Names outside COMMON_NAMES keep their received order, so one of them moves freely here.
  const script = `import { headerObject } from '${incomingRequestUrl}';
    import { parseRequestHead } from '${parserUrl}';
    // With an other name (the parser's addField path) and with common names only, none repeated (its direct stores).
    const sets = [
      [['Host', 'a'], ['User-Agent', 'u'], ['Accept', '*/*'], ['Cookie', 'c=1'], ['X-Mine', '1'], ['Accept-Encoding', 'gzip'], ['DNT', '1']],
      [['Host', 'a'], ['User-Agent', 'u'], ['Accept', '*/*'], ['Cookie', 'c=1'], ['Sec-Fetch-Mode', 'navigate'], ['Accept-Encoding', 'gzip'], ['DNT', '1']],
    ];
    const results = sets.map((fields) => {
      const orders = [fields, [...fields].reverse(), [fields[3], fields[0], fields[6], fields[2], fields[5], fields[1], fields[4]]];
      const parsed = orders.map((f) => parseRequestHead(Buffer.from('GET / HTTP/1.1\\r\\n' + f.map(([n, v]) => n + ': ' + v + '\\r\\n').join('') + '\\r\\n', 'latin1')).head.headers);
      const listed = orders.map((f) => headerObject(f.map(([n, v]) => [n.toLowerCase(), v])));
      const all = [...parsed, ...listed];
      return { sameClass: all.every((h) => %HaveSameMap(h, all[0])), keys: all.map((h) => Object.keys(h).join(',')) };
    });
    console.log(JSON.stringify(results));`;
  const run = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
  assert.is(run.status, 0, run.stderr);
  const results = JSON.parse(run.stdout) as Array<{ sameClass: boolean; keys: string[] }>;
  assert.is(results.length, 2);
  for (const got of results) {
    assert.equal(new Set(got.keys).size, 1, got.keys.join(' | '));
    assert.ok(got.sameClass, `one hidden class for every order of ${got.keys[0]}`);
  }
});

test.run();
