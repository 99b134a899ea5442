/**
 * One worker of scripts/run-tests.mjs: runs the uvu test files the parent sends, one at a time in
 * this process, and answers each file's counts and failures. A file is run as uvu's CLI runs it
 * (uvu/run): its suites are queued while it loads (UVU_DEFER) and run after, in order.
 *
 * While a file runs, the channel to the parent does not keep this process alive: a test awaiting
 * something that can never happen (no timer, no socket) then ends the process, as it ends a plain
 * uvu run ("Exiting early"), and the parent reports the file at once instead of at its hang limit.
 */
import { pathToFileURL } from 'node:url';

globalThis.UVU_DEFER = 1;
await import('uvu');

process.on('message', async ({ file, name }) => {
  process.channel.unref();
  // One queue group per file: uvu's test.run() pushes each suite of the file being loaded here.
  globalThis.UVU_INDEX = 0;
  globalThis.UVU_QUEUE.length = 0;
  globalThis.UVU_QUEUE.push([name]);
  let total = 0;
  let passed = 0;
  let skipped = 0;
  let errors = '';
  let loaded = false;
  try {
    await import(pathToFileURL(file).href);
    loaded = true;
  } catch (err) {
    errors += `  failed to load ${name}: ${err instanceof Error ? err.stack : String(err)}\n`;
  }
  if (loaded) {
    const [, ...runs] = globalThis.UVU_QUEUE[0];
    for (const run of runs) {
      try {
        const [errs, ran, skip, max] = await run();
        total += max;
        passed += ran;
        skipped += skip;
        if (typeof errs === 'string' && errs.length > 0) errors += errs;
        // uvu's runner returns from its finally block, so a before hook that throws is swallowed
        // and its suite reports (0 / N) as if nothing failed: that counts as a failure here.
        else if (ran < max) errors += `  ${name}: ${max - ran} of ${max} tests did not run (a before or after hook threw?)\n`;
      } catch (err) {
        errors += `  ${name}: a suite's hook threw: ${err instanceof Error ? err.stack : String(err)}\n`;
      }
    }
  }
  process.send({ name, total, passed, skipped, errors });
  process.channel.ref();
});
process.send({ ready: true });
