/**
 * Checks a script's setup() makes before any load: is every service it needs answering, and is
 * there a token where one is needed. A failure aborts the run with one message that says what to
 * start or which variable to set, instead of a wall of connection errors.
 */
import http from 'k6/http';
import exec from 'k6/execution';
import { bearer, describeRegion, tokenProblem, type Region } from './region.ts';

export type Service = 'origin' | 'edges' | 'control' | 'orchestrator' | 'token';

const PREFLIGHT_TAGS = { name: 'preflight' };

/** Problems with the services named in `needs`; empty when all is well. */
export function preflightProblems(region: Region, needs: readonly Service[]): string[] {
  const problems: string[] = [];
  const answers = (url: string, headers: Record<string, string> = {}): boolean =>
    http.get(url, { headers, tags: PREFLIGHT_TAGS, timeout: '5s', responseType: 'none' }).status !== 0;

  if (needs.includes('token')) {
    const problem = tokenProblem(region);
    if (problem !== undefined) problems.push(problem);
  }
  if (needs.includes('origin') && !answers(`${region.originUrl}/_stats`)) {
    problems.push(`origin ${region.originUrl} does not answer: start the region with \`npm start\` or set ORIGIN_URL`);
  }
  if (needs.includes('edges')) {
    if (region.edgeUrls.length === 0) problems.push('no edges: EDGE_URLS is empty');
    for (const url of region.edgeUrls) {
      // Any path works; this one is cheap and never collides with a test's objects.
      if (!answers(`${url}/_preflight`)) problems.push(`edge ${url} does not answer: start the region with \`npm start\` or set EDGE_URLS`);
    }
  }
  if (needs.includes('control') && !answers(`${region.controlUrl}/edges`, bearer(region.token))) {
    problems.push(`control plane ${region.controlUrl} does not answer: it must be part of the region (npm start) or set CONTROL_URL`);
  }
  if (needs.includes('orchestrator') && !answers(`${region.orchestratorUrl}/edges`, bearer(region.token))) {
    problems.push(`region orchestrator ${region.orchestratorUrl} does not answer: it must be part of the region (npm start) or set ORCHESTRATOR_URL`);
  }
  return problems;
}

/** For setup(): logs where the run points, then aborts the whole test if anything it needs is missing. */
export function preflight(scriptName: string, region: Region, needs: readonly Service[]): void {
  console.log(`${scriptName}: ${describeRegion(region)}`);
  const problems = preflightProblems(region, needs);
  if (problems.length > 0) {
    exec.test.abort(`${scriptName} cannot start:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Aborts the run with a message; for setup() steps (warm-up, baseline) that must succeed. */
export function abortRun(scriptName: string, message: string): never {
  exec.test.abort(`${scriptName}: ${message}`);
  throw new Error(message); // not reached: abort() throws; this line satisfies the type checker
}
