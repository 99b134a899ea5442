/**
 * One worker of scripts/run-tests.mjs: runs the uvu test files the parent sends, one at a time in
 * this process, and answers each file's counts and failures. A file is run as uvu's CLI runs it
 * (uvu/run): its suites are queued while it loads (UVU_DEFER) and run after, in order.
 */
import { pathToFileURL } from 'node:url';

globalThis.UVU_DEFER = 1;
await import('uvu');

process.on('message', async ({ file, name }) => {
  // One queue group per file: uvu's test.run() pushes each suite of the file being loaded here.
  globalThis.UVU_INDEX = 0;
  globalThis.UVU_QUEUE.length = 0;
  globalThis.UVU_QUEUE.push([name]);
  let total = 0;
  let passed = 0;
  let skipped = 0;
  let errors = '';
  try {
    await import(pathToFileURL(file).href);
    const [, ...runs] = globalThis.UVU_QUEUE[0];
    for (const run of runs) {
      const [errs, ran, skip, max] = await run();
      total += max;
      passed += ran;
      skipped += skip;
      if (typeof errs === 'string' && errs.length > 0) errors += errs;
    }
  } catch (err) {
    errors += `  failed to load ${name}: ${err instanceof Error ? err.stack : String(err)}\n`;
  }
  process.send({ name, total, passed, skipped, errors });
});
process.send({ ready: true });
