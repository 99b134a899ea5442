/**
 * deploy/kubernetes: the rendered base (rendered/edgeworks.yaml) is what `kubectl kustomize` makes
 * of base/ today, every object in it passes the Kubernetes schemas with no unknown field, and its
 * parts fit together: Services and budgets select pods that exist, ports and probes name declared
 * ports, referenced Secrets and ConfigMaps exist, and the binaries know the flags they are given.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deployDir, repoRoot, toolPresent } from './deploy-paths.js';
import { schemaProblems } from './kubernetes-schema.js';
import { named, objects, renderedText, withoutHash, workloads, type K8sObject } from './rendered-manifests.js';

const podSpecOf = (workload: K8sObject) => workload['spec'].template.spec;
const containersOf = (workload: K8sObject): any[] => podSpecOf(workload).containers;
const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);
const selectedBy = (selector: Record<string, string>) => workloads.filter((w) => matches(selector, w['spec'].template.metadata.labels));

test('the rendered file holds the whole region', () => {
  const inventory = objects.map((o) => `${o.kind}/${withoutHash(o.metadata.name)}`).sort();
  assert.equal(inventory, [
    'ConfigMap/edgeworks-region',
    'Deployment/control-plane',
    'PodDisruptionBudget/control-plane',
    'PodDisruptionBudget/edge',
    'PodDisruptionBudget/etcd',
    'Secret/edgeworks-control-plane',
    'Secret/edgeworks-edge',
    'Service/control-plane',
    'Service/edge',
    'Service/edge-peers',
    'Service/etcd',
    'StatefulSet/edge',
    'StatefulSet/etcd',
  ]);
});

for (const object of objects) {
  test(`${object.kind} ${object.metadata.name}: valid against the Kubernetes schema, no unknown field`, async () => {
    assert.equal(await schemaProblems(object), []);
  });
}

test('the schema check catches a misspelt field, a wrong type and a bad quantity', async () => {
  const broken = structuredClone(named('StatefulSet', 'edge'));
  const container = broken['spec'].template.spec.containers[0];
  container.readinesProbe = container.readinessProbe;
  broken['spec'].replicas = 'three';
  container.resources.limits.memory = 'plenty';
  const problems = await schemaProblems(broken);
  assert.ok(problems.includes('/spec/template/spec/containers/0/readinesProbe: unknown field'), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('/spec/replicas: type')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('/spec/template/spec/containers/0/resources/limits/memory: format')), problems.join('\n'));
  assert.equal(await schemaProblems({ apiVersion: 'apps/v1', kind: 'Deploymnet' }), ['(root): no Kubernetes schema for apps/v1 Deploymnet']);
});

test('etcd: 3 members in a StatefulSet whose initial cluster names exactly its pods', () => {
  const etcd = named('StatefulSet', 'etcd');
  assert.is(etcd['spec'].replicas, 3);
  assert.is(etcd['spec'].serviceName, 'etcd');
  const initial = (containersOf(etcd)[0].command as string[]).find((arg) => arg.startsWith('--initial-cluster='))!;
  assert.is(initial, '--initial-cluster=etcd-0=http://etcd-0.etcd:2380,etcd-1=http://etcd-1.etcd:2380,etcd-2=http://etcd-2.etcd:2380');
  assert.is(etcd['spec'].volumeClaimTemplates.length, 1, 'each member keeps its data on a volume');
});

test('control plane: 3 replicas on etcd, whose endpoints are the etcd members', () => {
  const cp = named('Deployment', 'control-plane');
  assert.is(cp['spec'].replicas, 3);
  const args: string[] = containersOf(cp)[0].args;
  assert.ok(args.includes('--store=etcd'));
  assert.ok(args.includes('--etcd-endpoints=http://etcd-0.etcd:2379,http://etcd-1.etcd:2379,http://etcd-2.etcd:2379'));
  assert.not.ok(args.some((arg) => arg.startsWith('--data-dir')), 'the etcd store writes nothing locally');
});

test("control plane: each replica's id and advertised URL are its own pod's name and IP (downward API)", () => {
  const container = containersOf(named('Deployment', 'control-plane'))[0];
  const args: string[] = container.args;
  const fieldOf = (name: string) => (container.env as any[]).find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath;
  assert.ok(args.includes('--replica-id=$(POD_NAME)'));
  assert.is(fieldOf('POD_NAME'), 'metadata.name');
  assert.ok(args.includes('--advertise-url=http://$(POD_IP):9000'));
  assert.is(fieldOf('POD_IP'), 'status.podIP');
  const port = (container.ports as any[]).find((p) => p.name === 'http').containerPort;
  assert.ok(args.includes(`--port=${port}`), 'the advertised port is the one it listens on');
});

test('edges present a token to the control plane and read the peer secret from the mounted Secret', () => {
  const edge = containersOf(named('StatefulSet', 'edge'))[0];
  const secret = named('Secret', podSpecOf(named('StatefulSet', 'edge')).volumes.find((v: any) => v.secret !== undefined).secret.secretName);
  const mount = (edge.volumeMounts as any[]).find((m) => m.name === 'credentials').mountPath;
  assert.ok((edge.args as string[]).includes(`--peer-secret-file=${mount}/peer-secret`));
  assert.ok('peer-secret' in secret['data'] && 'EDGE_CONTROL_PLANE_TOKEN' in secret['data']);
  const cp = containersOf(named('Deployment', 'control-plane'))[0];
  const cpMount = (cp.volumeMounts as any[]).find((m) => m.name === 'credentials').mountPath;
  assert.ok((cp.args as string[]).includes(`--token-file=${cpMount}/control-plane-tokens`));
  const tokens = Buffer.from(named('Secret', 'edgeworks-control-plane')['data']['control-plane-tokens'], 'base64').toString('utf8');
  assert.match(tokens, /^admin \S+\nedge \S+\n$/, 'the token file has an admin and an edge line');
});

test('edges: a StatefulSet whose pod name is the ring id, ready on the admin port /readyz', () => {
  const edge = named('StatefulSet', 'edge');
  assert.is(edge['spec'].serviceName, 'edge-peers');
  const container = containersOf(edge)[0];
  assert.ok((container.args as string[]).includes('--id=$(POD_NAME)'));
  const podName = (container.env as any[]).find((e) => e.name === 'POD_NAME');
  assert.is(podName.valueFrom.fieldRef.fieldPath, 'metadata.name');
  assert.equal(container.readinessProbe.httpGet, { path: '/readyz', port: 'admin' });
});

test('every container has cpu and memory requests and a memory limit, and runs unprivileged', () => {
  for (const workload of workloads) {
    const pod = podSpecOf(workload);
    assert.is(pod.securityContext.runAsNonRoot, true, workload.metadata.name);
    for (const container of containersOf(workload)) {
      const where = `${workload.metadata.name}/${container.name}`;
      assert.ok(container.resources.requests.cpu !== undefined && container.resources.requests.memory !== undefined, where);
      assert.ok(container.resources.limits.memory !== undefined, where);
      assert.is(container.securityContext.allowPrivilegeEscalation, false, where);
      assert.is(container.securityContext.readOnlyRootFilesystem, true, where);
      assert.equal(container.securityContext.capabilities.drop, ['ALL'], where);
    }
  }
});

test('every Service selects a workload and targets ports its containers declare', () => {
  for (const service of objects.filter((o) => o.kind === 'Service')) {
    const selected = selectedBy(service['spec'].selector);
    assert.is(selected.length, 1, `Service ${service.metadata.name} selects one workload`);
    const declared = containersOf(selected[0]!).flatMap((c) => (c.ports as any[]).map((p) => p.name));
    for (const port of service['spec'].ports) assert.ok(declared.includes(port.targetPort), `${service.metadata.name}: ${port.targetPort}`);
  }
  for (const workload of objects.filter((o) => o.kind === 'StatefulSet')) {
    const governing = named('Service', workload['spec'].serviceName);
    assert.is(governing['spec'].clusterIP, 'None', `${workload.metadata.name}'s serviceName is headless`);
  }
});

test('every workload has a PodDisruptionBudget that selects it, and every budget selects one', () => {
  const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  for (const budget of budgets) assert.is(selectedBy(budget['spec'].selector.matchLabels).length, 1, budget.metadata.name);
  for (const workload of workloads) {
    const labels = workload['spec'].template.metadata.labels;
    assert.ok(budgets.some((b) => matches(b['spec'].selector.matchLabels, labels)), workload.metadata.name);
  }
});

test('probes name declared ports; Secrets and ConfigMaps referenced are rendered', () => {
  for (const workload of workloads) {
    const pod = podSpecOf(workload);
    for (const container of containersOf(workload)) {
      const declared = (container.ports as any[]).map((p) => p.name);
      for (const probe of [container.readinessProbe, container.livenessProbe].filter((p) => p !== undefined)) {
        assert.ok(declared.includes(probe.httpGet.port), `${workload.metadata.name}: probe port ${probe.httpGet.port}`);
      }
      for (const source of container.envFrom ?? []) named('ConfigMap', source.configMapRef.name);
      for (const entry of container.env ?? []) {
        const ref = entry.valueFrom?.configMapKeyRef;
        if (ref !== undefined) assert.ok(ref.key in named('ConfigMap', ref.name)['data'], `${workload.metadata.name}: ConfigMap key ${ref.key}`);
      }
      // Every $(VAR) in the args is one of the container's env entries (Kubernetes leaves others as they are).
      for (const arg of [...(container.args ?? []), ...(container.command ?? [])] as string[]) {
        for (const [, name] of arg.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
          assert.ok((container.env ?? []).some((e: { name: string }) => e.name === name), `${workload.metadata.name}: $(${name}) is defined`);
        }
      }
    }
    for (const volume of pod.volumes ?? []) if (volume.secret !== undefined) named('Secret', volume.secret.secretName);
  }
});

test('the binaries know every flag and variable the manifests give them', () => {
  const help = (binary: string) => spawnSync(process.execPath, [join(repoRoot, 'dist', binary, 'main.js'), '--help'], { encoding: 'utf8' }).stdout;
  const helpOf: Record<string, string> = { 'cdn-edge': help('edge'), 'cdn-control-plane': help('control-plane') };
  for (const workload of workloads.filter((w) => containersOf(w)[0].image.includes('edgeworks'))) {
    const [binary, ...args] = containersOf(workload)[0].args as string[];
    const text = helpOf[binary!];
    assert.ok(text !== undefined && text.startsWith('Usage:'), `${workload.metadata.name} runs ${binary}`);
    for (const arg of args) {
      const flag = arg.split('=')[0]!;
      assert.ok(text.includes(`${flag} `), `${binary} has ${flag}`);
    }
  }
  // The edge's settings arrive as EDGE_* variables from the ConfigMap and from the Secret's files
  // whose names are variable names (credentials-env exports those); any other file of a mounted
  // Secret must be named by a flag of the container that mounts it.
  const edgeHelp = helpOf['cdn-edge']!;
  const region = named('ConfigMap', 'edgeworks-region');
  const variables = [...Object.keys(region['data']), ...Object.keys(named('Secret', 'edgeworks-edge')['data']).filter((key) => /^[A-Z][A-Z0-9_]*$/.test(key))];
  assert.ok(variables.includes('EDGE_ADMIN_TOKEN') && variables.includes('EDGE_CONTROL_PLANE_TOKEN'));
  for (const variable of variables) assert.ok(edgeHelp.includes(`[env ${variable}]`), `cdn-edge reads ${variable}`);
  for (const workload of workloads.filter((w) => containersOf(w)[0].image.includes('edgeworks'))) {
    const container = containersOf(workload)[0];
    for (const volume of podSpecOf(workload).volumes.filter((v: { secret?: unknown }) => v.secret !== undefined)) {
      const mount = (container.volumeMounts as any[]).find((m) => m.name === volume.name).mountPath;
      for (const key of Object.keys(named('Secret', volume.secret.secretName)['data']).filter((k) => !/^[A-Z][A-Z0-9_]*$/.test(k))) {
        assert.ok((container.args as string[]).some((arg) => arg.endsWith(`=${mount}/${key}`)), `${workload.metadata.name}: a flag reads ${mount}/${key}`);
      }
    }
  }
});

if (toolPresent('kubectl', ['version', '--client'], 'apt-get install kubernetes-client', { requiredInCi: false })) {
  test('rendered/edgeworks.yaml is what kubectl kustomize makes of base/ now (run deploy/kubernetes/render.sh)', () => {
    const fresh = spawnSync('kubectl', ['kustomize', join(deployDir, 'kubernetes/base')], { encoding: 'utf8' });
    assert.is(fresh.status, 0, fresh.stderr);
    assert.is(renderedText.replace(/^#.*\n/, ''), fresh.stdout);
  });
}

test.run();
