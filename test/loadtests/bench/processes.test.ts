/** Bench child processes: what a child started is killed with it (nginx's worker outlives a SIGKILLed master). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { childPids } from '../../../loadtests/bench/peers.js';
import { killWith, spawnProcess, stopProcess, waitForLine } from '../../../loadtests/bench/processes.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The process's state letter from /proc, or 'gone' once it has been reaped. */
function statOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? '';
  } catch {
    return 'gone';
  }
}

test('stopProcess kills the processes registered with killWith, which a SIGKILL of their parent leaves running', async () => {
  // A parent that starts a long-lived child and says so, as nginx's master starts its worker.
  const parent = spawnProcess({ name: 'parent', cpu: undefined, command: 'sh', args: ['-c', 'sleep 300 & echo started; wait'] });
  await waitForLine(parent, /started/, 10_000);
  let kids: number[] = [];
  while (kids.length === 0) {
    kids = childPids(parent.pid);
    if (kids.length === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  for (const pid of kids) killWith(parent, pid);
  await stopProcess(parent);
  for (const pid of kids) {
    // A killed child stays a zombie until its new parent reaps it; /proc says which. How soon the
    // kernel runs a SIGKILLed process to its exit depends on the machine's load, so this waits for
    // the state, not for a number of event-loop turns; the 30 s cap is only there so that a child
    // that was never signalled fails the test instead of hanging it.
    let state = '';
    for (const deadline = Date.now() + 30_000; alive(pid) && Date.now() < deadline; ) {
      state = statOf(pid);
      if (state === 'Z' || state === 'gone') break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.ok(!alive(pid) || state === 'Z' || state === 'gone', `child ${pid} of the stopped parent still runs (state ${state})`);
  }
});

test('with logFile, everything the process prints, stdout and stderr, is appended to it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-log-'));
  try {
    const file = join(dir, 'edge.log');
    writeFileSync(file, 'earlier run\n');
    const p = spawnProcess({ name: 'edge', cpu: undefined, command: 'sh', args: ['-c', 'echo to-stdout; echo to-stderr >&2'], logFile: file });
    await p.logged;
    const text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith('earlier run\n'), text);
    assert.ok(text.includes('to-stdout\n') && text.includes('to-stderr\n'), text);
    assert.is(p.stdout(), 'to-stdout\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
