/** A binary's configuration from its real argv, environment and files; prints --help itself. */
import { readFileSync } from 'node:fs';
import type { Static, TSchema } from '@sinclair/typebox';
import { loadConfig, type FlagSpec } from '../config-loader.js';

/** The validated config, or undefined when --help was asked for (and printed). */
export function loadProcessConfig<S extends TSchema>(program: string, summary: string, schema: S, flags: readonly FlagSpec[]): Static<S> | undefined {
  const loaded = loadConfig({
    program,
    summary,
    schema,
    flags,
    argv: process.argv.slice(2),
    env: process.env,
    readFile: (path) => readFileSync(path, 'utf8'),
  });
  if (loaded.kind === 'help') {
    process.stdout.write(`${loaded.text}\n`);
    return undefined;
  }
  return loaded.config;
}
