/** A Logger that writes one JSON object per line to a stream (stderr by default). */
import type { Logger, LogLevel } from '../ports.js';

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createJsonLogger(
  name: string,
  minLevel: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  return {
    log(level, message, fields) {
      if (rank[level] < rank[minLevel]) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level, name, message, ...fields })}\n`);
    },
  };
}
