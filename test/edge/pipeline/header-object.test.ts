/** The header object the own layer hands the pipeline: node:http's combining rules, and no inherited names. */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HEADER_BAG_FIELDS, headerObject, headerObjectOfDistinct, headerObjectOfFlat } from '../../../edge/pipeline/incoming-request.js';

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

test('a flat [name, value, ...] list (the own parser\'s) makes the same object as its pairs', () => {
  const pairs: Array<[string, string]> = [['cookie', 'a=1'], ['cookie', 'b=2'], ['set-cookie', 'x'], ['set-cookie', 'y'], ['host', 'a'], ['host', 'b'], ['accept', 'text/html'], ['accept', '*/*'], ['__proto__', 'p']];
  const flat = headerObjectOfFlat(pairs.flat());
  assert.equal({ ...flat }, { ...headerObject(pairs) });
  assert.equal(Object.keys(flat), Object.keys(headerObject(pairs)));
  assert.is(Object.getPrototypeOf(Object.getPrototypeOf(flat)), null);
});

test('the room reserved inside header objects holds no field: an object has exactly the fields received, one or many', () => {
  for (const n of [0, 1, HEADER_BAG_FIELDS, HEADER_BAG_FIELDS + 5]) {
    const flat = Array.from({ length: n }, (_x, i) => [`f${i}`, `v${i}`]).flat();
    const h = headerObjectOfDistinct(flat);
    assert.equal(Object.keys(h), Array.from({ length: n }, (_x, i) => `f${i}`));
    for (const name of ['r0', 'r15', 'room-0', 'room-15']) assert.not.ok(name in h, name);
    assert.is(Object.getPrototypeOf(Object.getPrototypeOf(h)), null);
  }
});

const incomingRequestUrl = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'edge', 'pipeline', 'incoming-request.js')).href;

test('a browser\'s 15 fields sit inside the header object even after the first requests had 2 (V8\'s own account, --allow-natives-syntax)', () => {
  // An edge's first requests (its fill, a health check) have few fields; V8 then shrinks every
  // later header object to that room, and the rest go to a separate store regrown as it fills.
  const script = `import { headerObjectOfDistinct } from '${incomingRequestUrl}';
    for (let i = 0; i < 20; i++) headerObjectOfDistinct(['host', 'a', 'accept', '*/*']);
    const fields = [];
    for (let i = 0; i < 15; i++) fields.push('field-' + i, 'v');
    %DebugPrint(headerObjectOfDistinct(fields));`;
  const run = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
  assert.is(run.status, 0, run.stderr);
  const m = /- inobject properties: (\d+)/.exec(run.stdout);
  assert.ok(m !== null, run.stdout.slice(0, 500));
  assert.ok(Number(m![1]) >= 15, `in-object room for ${m![1]} fields`);
  assert.not.match(run.stdout, /location: properties\[/);
});

test.run();
