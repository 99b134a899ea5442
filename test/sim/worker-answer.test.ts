/** A one-shot worker: its first message is the answer; dying before it answers is an error, not a result. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { answerFromWorker } from '../../sim/worker-answer.js';

const script = (source: string): URL => new URL(`data:text/javascript,${encodeURIComponent(source)}`);

test('resolves to the first message', async () => {
  const got = await answerFromWorker<number>(script("import { parentPort, workerData } from 'node:worker_threads'; parentPort.postMessage(workerData * 2);"), 21, 'doubler');
  assert.is(got, 42);
});

test('a clean exit without an answer rejects, naming the worker', async () => {
  try {
    await answerFromWorker(script('// says nothing'), undefined, 'silent worker');
    assert.unreachable('it resolved');
  } catch (err) {
    assert.match(String(err), /silent worker exited with code 0 before answering/);
  }
});

test('a worker that throws rejects', async () => {
  try {
    await answerFromWorker(script("throw new Error('boom');"), undefined, 'throwing worker');
    assert.unreachable('it resolved');
  } catch (err) {
    assert.match(String(err), /boom/);
  }
});

test.run();
