/**
 * deploy/prometheus: the sample scrape configs keep every secret in a file, and their Kubernetes
 * jobs keep exactly the pods and ports the rendered manifests declare; `promtool check config`
 * accepts the static one when promtool is installed (Debian's build has no Kubernetes discovery).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { deployDir, toolPresent } from './deploy-paths.js';
import { workloadOf } from './rendered-manifests.js';

interface ScrapeJob {
  job_name: string;
  metrics_path: string;
  authorization?: { type: string; credentials_file?: string; credentials?: string };
  static_configs?: Array<{ targets: string[] }>;
  kubernetes_sd_configs?: unknown[];
  relabel_configs?: Array<{ source_labels?: string[]; regex?: string; action?: string }>;
}

const read = (name: string) => readFileSync(join(deployDir, 'prometheus', name), 'utf8');
const staticText = read('prometheus.yml');
const kubernetesText = read('prometheus-kubernetes.yml');
const jobsOf = (text: string) => (parse(text) as { scrape_configs: ScrapeJob[] }).scrape_configs;
const allJobs = [...jobsOf(staticText), ...jobsOf(kubernetesText)];

test('every job scrapes /metrics with a bearer token read from a file', () => {
  assert.equal(allJobs.map((j) => j.job_name).sort(), ['edgeworks-control-plane', 'edgeworks-control-plane-kubernetes', 'edgeworks-edge', 'edgeworks-edge-kubernetes']);
  for (const job of allJobs) {
    assert.is(job.metrics_path, '/metrics', job.job_name);
    assert.is(job.authorization?.type, 'Bearer', job.job_name);
    assert.ok(job.authorization?.credentials_file?.startsWith('/etc/prometheus/secrets/'), job.job_name);
    assert.is(job.authorization?.credentials, undefined, `${job.job_name}: no inline token`);
  }
});

test("the static jobs' targets are npm start's admin and control-plane ports", () => {
  const targets = (name: string) => jobsOf(staticText).find((j) => j.job_name === name)!.static_configs!.flatMap((s) => s.targets);
  assert.equal(targets('edgeworks-edge'), ['127.0.0.1:9181', '127.0.0.1:9182', '127.0.0.1:9183']);
  assert.equal(targets('edgeworks-control-plane'), ['127.0.0.1:9000']);
});

test('the Kubernetes jobs keep the pods and port names the rendered manifests declare', () => {
  for (const job of jobsOf(kubernetesText)) {
    const keep = (label: string) => job.relabel_configs!.find((r) => r.action === 'keep' && r.source_labels?.[0] === label)?.regex;
    const component = keep('__meta_kubernetes_pod_label_app_kubernetes_io_component');
    const portName = keep('__meta_kubernetes_pod_container_port_name');
    const workload = workloadOf(component ?? '');
    assert.ok(workload !== undefined, `${job.job_name}: a workload labelled ${component}`);
    const ports = (workload['spec'].template.spec.containers as Array<{ ports: Array<{ name: string }> }>).flatMap((c) => c.ports.map((p) => p.name));
    assert.ok(ports.includes(portName ?? ''), `${job.job_name}: port ${portName} among ${ports.join(', ')}`);
  }
});

if (toolPresent('promtool', ['--version'], 'apt-get install prometheus', { requiredInCi: false })) {
  test('promtool check config accepts prometheus.yml (token files stood in for)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    try {
      for (const job of jobsOf(staticText)) writeFileSync(join(dir, job.authorization!.credentials_file!.split('/').pop()!), 'a-token-of-16-chars\n');
      writeFileSync(join(dir, 'prometheus.yml'), staticText.replaceAll('/etc/prometheus/secrets/', `${dir}/`));
      const result = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
      assert.is(result.status, 0, `${result.stdout}${result.stderr}`);
      assert.match(result.stdout, /SUCCESS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
