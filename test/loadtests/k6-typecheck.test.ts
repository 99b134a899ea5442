/**
 * The k6 scripts in loadtests/ are run by k6, not by this build, so these tests keep them honest
 * from here: they type-check against @types/k6, each exports options with scenarios (explicit
 * executors) and thresholds, none imports the project's source, the root build leaves them alone,
 * the pure helpers in loadtests/lib compute what they claim, and `npm run loadtest` says what to do.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'loadtests', 'tsconfig.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (loadtests/tsconfig.json) above this test');
    dir = parent;
  }
  return dir;
}

const root = findRoot();
const loadtestsDir = join(root, 'loadtests');
const EXPECTED_SCRIPTS = ['hit-ratio', 'thundering-herd', 'purge-under-load', 'origin-outage', 'scale-out'];

const scripts = readdirSync(loadtestsDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
const libFiles = readdirSync(join(loadtestsDir, 'lib')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
const read = (...parts: string[]): string => readFileSync(join(loadtestsDir, ...parts), 'utf8');

test('loadtests/tsconfig.json: every k6 script and helper type-checks against @types/k6', () => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  // No kill timeout: on a loaded machine tsc may take minutes, and that is not a failure.
  const run = spawnSync(process.execPath, [tsc, '-p', join('loadtests', 'tsconfig.json'), '--noEmit'], { cwd: root, encoding: 'utf8' });
  assert.is(run.status, 0, `tsc -p loadtests/tsconfig.json --noEmit failed:\n${run.stdout}${run.stderr}`);
});

test('every load test named in issue 6 exists', () => {
  for (const name of EXPECTED_SCRIPTS) assert.ok(scripts.includes(`${name}.ts`), `loadtests/${name}.ts is missing`);
});

for (const file of scripts) {
  test(`${file}: exports options with scenarios (explicit executors) and thresholds`, () => {
    const source = read(file);
    assert.match(source, /export const options\s*:\s*Options\s*=\s*\{/, 'no `export const options: Options = {`');
    const options = source.slice(source.search(/export const options/));
    assert.match(options, /\n {2}scenarios:\s*\{/, 'options has no scenarios block');
    assert.match(options, /\n {2}thresholds:\s*\{/, 'options has no thresholds block');
    const scenarioBlock = options.slice(options.indexOf('scenarios:'), options.indexOf('thresholds:'));
    const scenarioCount = (scenarioBlock.match(/\n {4}[a-z][\w-]*:\s*\{/g) ?? []).length;
    const executorCount = (scenarioBlock.match(/executor:\s*'[a-z-]+'/g) ?? []).length;
    assert.ok(scenarioCount >= 1, 'no scenario in options.scenarios');
    assert.is(executorCount, scenarioCount, 'every scenario names its executor');
  });

  test(`${file}: reads the region file with open() in its own init code`, () => {
    // k6 resolves open()'s relative path against the script, so the call lives in the script.
    assert.match(read(file), /loadRegion\(readOptionalFile\(\(\) => open\(REGION_FILE\)\)\)/);
  });
}

for (const [dir, file] of [...scripts.map((f) => ['', f]), ...libFiles.map((f) => ['lib', f])] as Array<[string, string]>) {
  test(`${dir === '' ? '' : `${dir}/`}${file}: imports only k6 modules and loadtests/lib`, () => {
    const specifiers = [...read(dir, file).matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1] ?? '');
    for (const specifier of specifiers) {
      const allowed = specifier === 'k6' || specifier.startsWith('k6/') || (dir === '' ? specifier.startsWith('./lib/') : specifier.startsWith('./'));
      assert.ok(allowed, `${file} imports ${specifier}: k6 scripts may import only k6 modules and loadtests/lib`);
      if (!specifier.startsWith('k6')) assert.ok(specifier.endsWith('.ts'), `${specifier}: k6 resolves the file by its real name, .ts included`);
    }
  });
}

test('the root tsconfig.json compiles loadtests/bench only, never the k6 scripts', () => {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const include = (config.config as { include: string[] }).include;
  for (const entry of include.filter((e) => e.startsWith('loadtests'))) assert.is(entry, 'loadtests/bench');
});

/** Loads a dependency-free helper from loadtests/lib as a JavaScript module. */
async function loadLib<T>(file: string): Promise<T> {
  const source = read('lib', file);
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
  return (await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`)) as T;
}

interface ZipfModule {
  ZipfSampler: new (n: number, exponent: number) => { rankAt(seed: number, index: number): number; probability(rank: number): number };
  idealHitRatio(sampler: unknown, seed: number, draws: number): number;
  uniformAt(seed: number, index: number): number;
}

test('lib/zipf.ts: draws depend only on (seed, index) and follow 1/rank^s', async () => {
  const { ZipfSampler, idealHitRatio, uniformAt } = await loadLib<ZipfModule>('zipf.ts');
  const a = new ZipfSampler(1000, 1);
  const b = new ZipfSampler(1000, 1);
  const first = Array.from({ length: 50 }, (_, i) => a.rankAt(7, i));
  assert.equal(Array.from({ length: 50 }, (_, i) => b.rankAt(7, i)), first, 'same seed, same ranks');
  assert.not.equal(Array.from({ length: 50 }, (_, i) => a.rankAt(8, i)), first, 'another seed, other ranks');

  const draws = 200_000;
  const counts = new Map<number, number>();
  let sum = 0;
  for (let i = 0; i < draws; i++) {
    const rank = a.rankAt(1, i);
    assert.ok(rank >= 1 && rank <= 1000);
    counts.set(rank, (counts.get(rank) ?? 0) + 1);
    sum += uniformAt(1, i);
  }
  assert.ok(Math.abs(sum / draws - 0.5) < 0.01, `uniform draws average ${sum / draws}`);
  for (const rank of [1, 2, 10, 100]) {
    const expected = a.probability(rank) * draws;
    const seen = counts.get(rank) ?? 0;
    assert.ok(Math.abs(seen - expected) < 5 * Math.sqrt(expected) + 5, `rank ${rank}: ${seen} draws, expected about ${expected.toFixed(0)}`);
  }
  // 1000 keys, s = 1, 12000 draws: about 936 distinct keys, so about 0.92 of requests repeat a key.
  const ideal = idealHitRatio(a, 1, 12_000);
  assert.ok(ideal > 0.9 && ideal < 0.94, `ideal hit ratio ${ideal}`);
  assert.is(idealHitRatio(new ZipfSampler(1, 1), 1, 10), 0.9);
});

interface CacheStatusModule {
  parseCacheStatus(value: string | undefined): Array<{ cache: string; params: Record<string, string | true> }>;
  isRegionHit(members: unknown[]): boolean;
  isStaleIfError(members: unknown[]): boolean;
  isStale(members: unknown[]): boolean;
}

test('lib/cache-status.ts: reads RFC 9211 members as the edges write them', async () => {
  const { parseCacheStatus, isRegionHit, isStaleIfError, isStale } = await loadLib<CacheStatusModule>('cache-status.ts');
  const forwarded = parseCacheStatus('e2; hit; ttl=298, e1; fwd=uri-miss; fwd-status=200; ttl=298; detail=peer-e2');
  assert.equal(forwarded, [
    { cache: 'e2', params: { hit: true, ttl: '298' } },
    { cache: 'e1', params: { fwd: 'uri-miss', 'fwd-status': '200', ttl: '298', detail: 'peer-e2' } },
  ]);
  assert.ok(isRegionHit(forwarded), 'a hit at the owner is a hit for the region');
  const miss = parseCacheStatus('e1; fwd=uri-miss; fwd-status=200; ttl=299; stored');
  assert.not.ok(isRegionHit(miss));
  assert.equal(parseCacheStatus(undefined), []);
  const quoted = parseCacheStatus('e3; fwd=stale; fwd-status=503; detail="origin, then; stale-if-error"');
  assert.is(quoted.length, 1, 'separators inside a quoted string do not split');
  assert.is(quoted[0]?.params['detail'], 'origin, then; stale-if-error');
  const stale = parseCacheStatus('e2; fwd=stale; fwd-status=503; ttl=-12; detail=stale-if-error, e1; fwd=uri-miss; detail=peer-e2');
  assert.ok(isStaleIfError(stale) && isStale(stale));
  assert.ok(isStale(parseCacheStatus('e1; hit; fwd=stale; detail=stale-while-revalidate')));
  assert.not.ok(isStale(forwarded));
});

test('npm run loadtest: an unknown name lists the scripts and exits 1', () => {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'loadtest.mjs'), 'no-such-test'], { cwd: root, encoding: 'utf8' });
  assert.is(run.status, 1);
  assert.match(run.stderr, /no load test named "no-such-test"/);
  for (const name of EXPECTED_SCRIPTS) assert.match(run.stderr, new RegExp(`\\n {2}${name}\\n`));
});

test('npm run loadtest: without k6 on PATH it says how to install k6 and exits 1', () => {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'loadtest.mjs'), 'hit-ratio'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PATH: join(root, 'no-such-dir') },
  });
  assert.is(run.status, 1);
  assert.match(run.stderr, /k6 is not on PATH/);
  assert.match(run.stderr, /install-k6/);
});

test.run();
