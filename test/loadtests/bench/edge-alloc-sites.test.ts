/** The preload that samples a running process's allocations between two SIGUSR2 signals. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const preload = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'loadtests', 'bench', 'edge-alloc-sites.js');

/** Resolves with the child's stderr so far once `pattern` appears in it. */
function stderrLine(child: ReturnType<typeof spawn>, pattern: RegExp, seen: { text: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (pattern.test(seen.text)) {
        child.stderr!.off('data', onData);
        resolve(seen.text);
      }
    };
    const onData = (chunk: Buffer): void => {
      seen.text += chunk.toString();
      check();
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before ${pattern}: ${seen.text}`)));
    check();
  });
}

test('first SIGUSR2 starts sampling, the second writes the allocating functions with their callers, largest first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-alloc-sites-'));
  const out = join(dir, 'sites.txt');
  // A process that allocates in a named function until it is killed.
  const script = 'function makeGarbage(){ for (let i = 0; i < 2000; i++) globalThis.kept = { i, s: "x".repeat(i % 50) }; } let n = 0; setInterval(() => { makeGarbage(); process.stderr.write(`tick ${++n}\\n`); }, 0); process.stderr.write("ready\\n");';
  const child = spawn(process.execPath, [`--import=${preload}`, '-e', script], { env: { PATH: process.env['PATH'] ?? '', EDGE_ALLOC_SITES_OUT: out }, stdio: ['ignore', 'ignore', 'pipe'] });
  const seen = { text: '' };
  // Backstop only: a preload that never answers fails the test here instead of hanging the suite.
  const backstop = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    await stderrLine(child, /ready/, seen);
    child.kill('SIGUSR2');
    // A turn of makeGarbage after sampling began: something to find.
    await stderrLine(child, /edge-alloc-sites: sampling[^]*\ntick \d+\n/, seen);
    child.kill('SIGUSR2');
    await stderrLine(child, /edge-alloc-sites: wrote /, seen);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /^[\d.]+ MB\/s sampled over [\d.]+ s, by allocating function <- its caller:\n/);
    assert.match(text, /%\s+makeGarbage \S+:\d+  <- /);
  } finally {
    clearTimeout(backstop);
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
