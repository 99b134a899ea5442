/**
 * Builds a binary's configuration from, in rising precedence: schema defaults, a JSON config
 * file (`--config FILE`), environment variables and command-line flags. The result is validated
 * against a typebox schema; the first problem becomes one `ConfigError` line that names the field
 * and where its value came from.
 */
import { parseArgs } from 'node:util';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export type FlagType = 'string' | 'integer' | 'number' | 'boolean';

export interface FlagSpec {
  /** Long flag name without dashes, e.g. `cache-max-bytes`. */
  flag: string;
  /** Dotted path of the config field it sets, e.g. `cache.maxBytes`. */
  field: string;
  type: FlagType;
  /** Environment variable that sets the same field. */
  env?: string;
  help: string;
  /** Turns the flag's text into the field's value (lists, maps); the schema still validates it. */
  parse?: (raw: string) => unknown;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type LoadResult<T> = { kind: 'config'; config: T } | { kind: 'help'; text: string };

export interface LoadOptions<S extends TSchema> {
  program: string;
  summary: string;
  schema: S;
  flags: readonly FlagSpec[];
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  readFile: (path: string) => string;
}

export function loadConfig<S extends TSchema>(opts: LoadOptions<S>): LoadResult<Static<S>> {
  const parsed = parseFlags(opts);
  if (parsed.values['help'] === true) return { kind: 'help', text: usage(opts) };

  const sources = new Map<string, string>();
  let config: Record<string, unknown> = {};
  const file = parsed.values['config'];
  if (typeof file === 'string') {
    config = readConfigFile(file, opts.readFile);
    markSources(config, '', `config file ${file}`, sources);
  }
  for (const spec of opts.flags) {
    const raw = spec.env === undefined ? undefined : opts.env[spec.env];
    if (raw === undefined || raw === '') continue;
    setField(config, spec.field, spec.parse !== undefined ? spec.parse(raw) : coerce(raw, spec.type), sources, `env ${spec.env}`);
  }
  for (const spec of opts.flags) {
    const raw = parsed.values[spec.flag];
    if (raw === undefined) continue;
    const value = typeof raw === 'boolean' ? raw : spec.parse !== undefined ? spec.parse(String(raw)) : coerce(String(raw), spec.type);
    setField(config, spec.field, value, sources, `--${spec.flag}`);
  }

  const withDefaults = Value.Default(opts.schema, config);
  const firstError = Value.Errors(opts.schema, withDefaults).First();
  if (firstError !== undefined) {
    const field = firstError.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    const source = sourceOf(field, sources);
    if (source === undefined && /required property/i.test(firstError.message)) {
      const flag = opts.flags.find((f) => f.field === field);
      const hint = flag === undefined ? '' : ` (set --${flag.flag}${flag.env === undefined ? '' : ` or ${flag.env}`})`;
      throw new ConfigError(`${field}: is required${hint}`);
    }
    // A schema's description says in words what a pattern or union means.
    const wanted = (firstError.schema as { description?: string }).description;
    const problem = wanted === undefined ? firstError.message.toLowerCase() : `must be ${wanted}, got ${JSON.stringify(firstError.value)}`;
    throw new ConfigError(`${field}: ${problem} (from ${source ?? 'default'})`);
  }
  return { kind: 'config', config: withDefaults as Static<S> };
}

/** Where a field's value came from: its own source, or that of the nearest enclosing field. */
function sourceOf(field: string, sources: Map<string, string>): string | undefined {
  for (let path = field; path !== ''; path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '') {
    const source = sources.get(path);
    if (source !== undefined) return source;
  }
  return undefined;
}

function parseFlags<S extends TSchema>(opts: LoadOptions<S>) {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    config: { type: 'string' },
  };
  for (const spec of opts.flags) options[spec.flag] = { type: spec.type === 'boolean' ? 'boolean' : 'string' };
  try {
    return parseArgs({ args: [...opts.argv], options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.split('\n')[0]} (see --help)`);
  }
}

function readConfigFile(path: string, readFile: (path: string) => string): Record<string, unknown> {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new ConfigError(`--config: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`--config: ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`--config: ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** Flags and env arrive as text; the schema decides whether the coerced value is acceptable. */
function coerce(raw: string, type: FlagType): unknown {
  switch (type) {
    case 'string':
      return raw;
    case 'integer':
    case 'number':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return raw;
  }
}

function setField(
  target: Record<string, unknown>,
  field: string,
  value: unknown,
  sources: Map<string, string>,
  source: string,
): void {
  const parts = field.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
  sources.set(field, source);
}

function markSources(value: unknown, prefix: string, source: string, sources: Map<string, string>): void {
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    const field = prefix === '' ? key : `${prefix}.${key}`;
    sources.set(field, source);
    markSources(child, field, source, sources);
  }
}

function usage<S extends TSchema>(opts: LoadOptions<S>): string {
  const rows = opts.flags.map((spec) => {
    const left = `  --${spec.flag}${spec.type === 'boolean' ? '' : ` <${spec.type === 'string' ? 'value' : 'n'}>`}`;
    const env = spec.env === undefined ? '' : ` [env ${spec.env}]`;
    return `${left.padEnd(38)} ${spec.help}${env}`;
  });
  return [
    `Usage: ${opts.program} [flags]`,
    '',
    opts.summary,
    '',
    'Flags (precedence: flag > env > config file > default):',
    `${'  --config <file>'.padEnd(38)} JSON config file with the same settings (see README)`,
    ...rows,
    `${'  --help, -h'.padEnd(38)} print this help`,
  ].join('\n');
}
