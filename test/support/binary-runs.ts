/**
 * Runs of a binary that read their configuration and exit (bad input, --help). Each is a node
 * process that spends most of its ~0.3 s loading modules, and a test file makes a dozen of them:
 * started together, at most `limit` at a time, the file waits for about the slowest rather than
 * for their sum. A run is done when its process closes; the only clock is a hang backstop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';

/** Far beyond a run that reads its configuration and exits (about 0.3 s; seconds on a loaded machine). */
const HANG_BACKSTOP_MS = 120_000;

export interface BinaryRun {
  /** Exit code; null when the process was killed by a signal or could not start (stderr says which). */
  status: number | null;
  stdout: string;
  stderr: string;
}

export class BinaryRuns {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit = Math.max(2, availableParallelism())) {}

  /**
   * `node script ...args` with PATH and `env` as its whole environment (nothing else of this
   * process's leaks in, so a test's expectations do not depend on the shell); never rejects. A process still
   * running after HANG_BACKSTOP_MS is killed and reported with status null, so a binary that
   * started serving instead of refusing fails its test rather than hanging the suite (a passing
   * run exits long before; nothing else here depends on time).
   */
  node(script: string, args: readonly string[], env: Record<string, string> = {}): Promise<BinaryRun> {
    return new Promise((resolve) => {
      const start = (): void => {
        this.running++;
        let stdout = '';
        let stderr = '';
        let settled = false;
        let backstop: NodeJS.Timeout | undefined;
        const done = (status: number | null, extra = ''): void => {
          if (settled) return;
          settled = true;
          clearTimeout(backstop);
          this.running--;
          resolve({ status, stdout, stderr: stderr + extra });
          this.waiting.shift()?.();
        };
        let child: ChildProcess;
        try {
          child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        } catch (e) {
          done(null, `spawn threw: ${(e as Error).message}\n`);
          return;
        }
        child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        child.on('error', (e) => done(null, `spawn error: ${e.message}\n`));
        child.on('close', (code) => done(code));
        backstop = setTimeout(() => {
          child.kill('SIGKILL');
          done(null, `still running after ${HANG_BACKSTOP_MS} ms: killed\n`);
        }, HANG_BACKSTOP_MS);
      };
      if (this.running < this.limit) start();
      else this.waiting.push(start);
    });
  }
}

/** One bad input to a binary: the test's name, its arguments, extra environment, and the one line expected on stderr. */
export type BadInput = [why: string, args: string[], env: Record<string, string>, stderr: RegExp];

/**
 * A test in `suite` per bad input: exit 2, the expected line on stderr, nothing on stdout. The
 * runs start together (BinaryRuns) when the suite's tests start; each test reads its own.
 */
export function badInputTests(suite: Test, script: string, inputs: readonly BadInput[]): void {
  const runs = new BinaryRuns();
  let started: Array<Promise<BinaryRun>> = [];
  suite.before(() => {
    started = inputs.map(([, args, env]) => runs.node(script, args, env));
  });
  for (const [i, [why, , , expected]] of inputs.entries()) {
    suite(`bad config is one line and exit 2: ${why}`, async () => {
      const result = await started[i]!;
      assert.is(result.status, 2, result.stderr);
      assert.match(result.stderr, expected);
      assert.is(result.stdout, '');
    });
  }
}
