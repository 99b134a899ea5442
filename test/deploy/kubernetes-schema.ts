/**
 * Validates one Kubernetes object against the API's schemas (kubernetes-models 4.x: Kubernetes'
 * OpenAPI compiled to validators) and, unlike the models, also rejects fields the schema does not
 * know: a misspelt `readinesProbe` is valid OpenAPI yet silently ignored by the API server.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Validate = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; keyword: string; params: Record<string, unknown> }> | null };

const require = createRequire(import.meta.url);
const modelsRoot = dirname(require.resolve('kubernetes-models/package.json'));

/** The compiled validator for apiVersion/kind, found through the model module that imports it. */
async function validatorFor(apiVersion: string, kind: string): Promise<Validate | undefined> {
  // Models live at <group>/<version>/<Kind>; the core group's apiVersion is just `v1`.
  const modelFile = join(modelsRoot, apiVersion, `${kind}.mjs`);
  let source: string;
  try {
    source = readFileSync(modelFile, 'utf8');
  } catch {
    return undefined;
  }
  const schema = /from\s*"((?:\.\.\/)+_schemas\/\w+\.mjs)"/.exec(source);
  if (schema === null) throw new Error(`no schema import in ${modelFile}`);
  const module = (await import(pathToFileURL(join(dirname(modelFile), schema[1]!)).href)) as { validate: Validate };
  return module.validate;
}

/**
 * Wraps a parsed object so every property the validator reads is recorded. A compiled validator
 * reads each property its schema declares and enumerates only maps (labels, limits, data), so an
 * own key that was neither read nor enumerated is one the schema does not have.
 */
function watched(value: unknown, path: string, records: FieldRecord[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  const record: FieldRecord = { path, keys: Object.keys(value), read: new Set(), enumerated: false };
  records.push(record);
  const children = new Map<string, unknown>();
  return new Proxy(value, {
    get(target, key, receiver) {
      const child: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string') return child;
      record.read.add(key);
      if (child === null || typeof child !== 'object') return child;
      if (!children.has(key)) children.set(key, watched(child, `${path}/${key}`, records));
      return children.get(key);
    },
    ownKeys(target) {
      record.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

interface FieldRecord {
  path: string;
  keys: string[];
  read: Set<string>;
  enumerated: boolean;
}

/** Problems with one object, each a path and what is wrong; empty when it is valid. */
export async function schemaProblems(object: { apiVersion?: unknown; kind?: unknown }): Promise<string[]> {
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') return ['(root): apiVersion and kind are required'];
  const validate = await validatorFor(object.apiVersion, object.kind);
  if (validate === undefined) return [`(root): no Kubernetes schema for ${object.apiVersion} ${object.kind}`];
  const records: FieldRecord[] = [];
  const problems: string[] = [];
  if (!validate(watched(object, '', records))) {
    for (const e of validate.errors ?? []) problems.push(`${e.instancePath || '(root)'}: ${e.keyword} ${JSON.stringify(e.params)}`);
  }
  for (const r of records) {
    if (r.enumerated) continue;
    for (const key of r.keys) if (!r.read.has(key)) problems.push(`${r.path}/${key}: unknown field`);
  }
  return problems;
}
