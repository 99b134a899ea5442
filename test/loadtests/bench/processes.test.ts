/** Bench child processes: what a child started is killed with it (nginx's worker outlives a SIGKILLed master). */
import { readFileSync } from 'node:fs';
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
    // A killed child stays a zombie until its new parent reaps it; /proc says which.
    let state = '';
    for (let i = 0; i < 1000 && alive(pid); i++) {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? '';
      if (state === 'Z') break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(!alive(pid) || state === 'Z', `child ${pid} of the stopped parent still runs (state ${state})`);
  }
});

test.run();
