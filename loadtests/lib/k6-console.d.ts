/**
 * k6 provides a `console` global (log, info, warn, error, debug) that @types/k6 does not declare,
 * and these scripts compile without the DOM or Node libs; this is the part they use.
 */
declare global {
  // eslint-disable-next-line no-var
  var console: {
    log(...data: unknown[]): void;
    info(...data: unknown[]): void;
    warn(...data: unknown[]): void;
    error(...data: unknown[]): void;
    debug(...data: unknown[]): void;
  };
}

export {};
