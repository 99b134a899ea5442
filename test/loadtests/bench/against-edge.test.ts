/** The options a --against edge is given: those its own --help lists. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { againstRoot, edgeHelpText, optionsKnownTo } from '../../../loadtests/bench/against-edge.js';

const HELP = `Usage: cdn-edge [options]
  --client-misses-per-second <n>       origin-bound misses one client address may send per second
  --http-server <value>                client-side HTTP/1.1 layer
  --port <n>                           port`;

test('a flag its help lists is kept with its value; one it does not list is left out with its value', () => {
  assert.equal(optionsKnownTo(HELP, ['--client-misses-per-second', '0', '--http-server', 'node']), ['--client-misses-per-second', '0', '--http-server', 'node']);
  assert.equal(optionsKnownTo(HELP, ['--client-misses', '0', '--new-flag', 'x', '--port', '1']), ['--port', '1']);
  assert.equal(optionsKnownTo('', ['--client-misses-per-second', '0']), []);
  // Mentioned in another option's text only: not an option of that build.
  assert.equal(optionsKnownTo('  --port <n>   port; like --http-server node, but older', ['--http-server', 'node']), []);
});

test('this checkout\'s own edge lists the options the bench gives it', () => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  const help = edgeHelpText(root);
  assert.equal(optionsKnownTo(help, ['--client-misses-per-second', '0', '--http-server', 'own']), ['--client-misses-per-second', '0', '--http-server', 'own']);
});

test('againstRoot: none for unset or empty, the resolved checkout when its edge is built, else one line naming where it came from', () => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  assert.is(againstRoot(undefined, 'BENCH_AGAINST'), undefined);
  assert.is(againstRoot('', 'BENCH_AGAINST'), undefined);
  assert.is(againstRoot(root, 'BENCH_AGAINST'), root);
  assert.throws(() => againstRoot('/nonexistent/checkout', 'BENCH_AGAINST / --against'), /^BENCH_AGAINST \/ --against: \/nonexistent\/checkout\/dist\/edge\/main\.js does not exist; run `npm run build` in that checkout first$/);
});

test.run();
