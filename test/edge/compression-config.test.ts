/**
 * --compress and its options from the command line: off by default, documented defaults, bad
 * values named in one line, and an edge built from them compresses.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, loadConfig } from '../../common/config-loader.js';
import { EDGE_FLAGS, EdgeConfigSchema, type EdgeConfig } from '../../edge/config.js';
import { createEdge } from '../../edge/create-edge.js';
import { FakeClock } from '../support/fake-clock.js';
import { ManualTimers } from '../support/manual-timers.js';

function load(argv: string[]): EdgeConfig {
  const r = loadConfig({ program: 'cdn-edge', summary: '', schema: EdgeConfigSchema, flags: EDGE_FLAGS, argv: ['--origin', 'http://127.0.0.1:9', ...argv], env: {}, readFile: () => '' });
  if (r.kind !== 'config') throw new Error('help');
  return r.config;
}

const ports = () => {
  const clock = new FakeClock();
  return { clock, timers: new ManualTimers(clock), transport: { request: () => Promise.reject(new Error('unused')), close: async () => undefined }, logger: { log: () => undefined } };
};

test('off by default: no codings, documented bounds', () => {
  const c = load([]).compress;
  assert.equal(c.encodings, []);
  assert.is(c.minBytes, 1024);
  assert.is(c.maxBytes, 1024 * 1024);
  assert.is(c.brotliQuality, 4);
  assert.ok(c.types.includes('text/*') && c.types.includes('application/json') && c.types.includes('image/svg+xml'));
  assert.is(createEdge(load([]), ports()).compression, undefined);
});

test('--compress gzip,br and its options reach the edge', () => {
  const config = load(['--compress', 'gzip,br', '--compress-min-bytes', '512', '--compress-types', 'text/*,application/json', '--compress-brotli-quality', '5']);
  assert.equal(config.compress.encodings, ['gzip', 'br']);
  assert.equal(config.compress.types, ['text/*', 'application/json']);
  const edge = createEdge(config, ports());
  assert.ok(edge.compression !== undefined);
  assert.is(edge.options.compression!.minBytes, 512);
  assert.is(edge.options.compression!.brotliQuality, 5);
});

test('bad values: one line naming the field', () => {
  for (const [argv, field] of [
    [['--compress', 'gzip,zstd'], 'compress.encodings'],
    [['--compress', 'gzip,gzip'], 'compress.encodings'],
    [['--compress-brotli-quality', '12'], 'compress.brotliQuality'],
    [['--compress-types', 'text'], 'compress.types'],
  ] as const) {
    try {
      load([...argv]);
      assert.unreachable(argv.join(' '));
    } catch (err) {
      assert.instance(err, ConfigError, argv.join(' '));
      const message = (err as Error).message;
      assert.ok(message.includes(field) && !message.includes('\n'), message);
    }
  }
});

test.run();
