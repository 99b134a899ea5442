/** The header object the own layer hands the pipeline: node:http's combining rules, and no inherited names. */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addField, emptyHeaderObject, HEADER_BAG_FIELDS, headerObject } from '../../../edge/pipeline/incoming-request.js';

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

test('fields added one by one (the own parser\'s way) make the same object as their pairs', () => {
  const pairs: Array<[string, string]> = [['cookie', 'a=1'], ['cookie', 'b=2'], ['set-cookie', 'x'], ['set-cookie', 'y'], ['host', 'a'], ['host', 'b'], ['accept', 'text/html'], ['accept', '*/*'], ['__proto__', 'p']];
  const added = emptyHeaderObject();
  for (const [name, value] of pairs) addField(added, name, value);
  assert.equal({ ...added }, { ...headerObject(pairs) });
  assert.equal(Object.keys(added), Object.keys(headerObject(pairs)));
  assert.is(Object.getPrototypeOf(Object.getPrototypeOf(added)), null);
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

test.run();
