/** The rendered kustomize base (deploy/kubernetes/rendered/edgeworks.yaml), parsed, with lookups the deploy tests share. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { deployDir } from './deploy-paths.js';

// Manifests are checked by the schema test first, then read loosely.
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [field: string]: any };

export const renderedPath = join(deployDir, 'kubernetes/rendered/edgeworks.yaml');
export const renderedText = readFileSync(renderedPath, 'utf8');
export const objects = parseAllDocuments(renderedText).map((doc) => doc.toJS() as K8sObject);

/** Generated ConfigMaps and Secrets carry a content hash after their name: `edgeworks-edge-fkk22gg425`. */
export const withoutHash = (name: string) => name.replace(/-[a-z0-9]{10}$/, '');

export function named(kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && (o.metadata.name === name || withoutHash(o.metadata.name) === name));
  assert.ok(found !== undefined, `${kind} ${name} is rendered`);
  return found;
}

export const workloads = objects.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Deployment');

/** The Deployment or StatefulSet whose pods carry app.kubernetes.io/component=component. */
export function workloadOf(component: string): K8sObject | undefined {
  return workloads.find((w) => w['spec'].template.metadata.labels['app.kubernetes.io/component'] === component);
}
