/** Runs a binary's main function: bad input becomes one line on stderr and exit code 2. */
import { ConfigError } from '../config-loader.js';

export function runMain(program: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${program}: ${err.message}\n`);
      process.exit(2);
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      process.stderr.write(`${program}: cannot listen: ${(err as Error).message}; choose another --port\n`);
      process.exit(2);
    }
    process.stderr.write(`${program}: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
