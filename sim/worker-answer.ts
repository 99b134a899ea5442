/**
 * Runs a module in a fresh worker thread and resolves to the first message it posts. A worker
 * that fails, or exits before it answers, rejects: a bench round must not read as done when its
 * worker died. The worker is left to exit on its own once it has answered.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

export function answerFromWorker<T>(module: URL, workerData: unknown, what: string, resourceLimits?: ResourceLimits): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    const worker = new Worker(module, { workerData, ...(resourceLimits === undefined ? {} : { resourceLimits }) });
    let answered = false;
    worker.once('message', (m: T) => {
      answered = true;
      resolvePromise(m);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`${what} exited with code ${code} before answering`));
    });
  });
}
