/**
 * Where the region under test lives. `npm start` writes `.edgeworks/local-region.json` in the repo
 * root; each script reads it with `open()` in its own init code (k6 resolves the path relative to
 * the script) and hands the text here. Environment variables override every field, and with no file
 * and no variables the loopback defaults of `npm start` apply (the token must then come from env).
 */
import { envOptional } from './env.ts';

/** Relative to a script in loadtests/. Call `open()` with it from the script itself, not from lib/. */
export const REGION_FILE = '../.edgeworks/local-region.json';

export const DEFAULT_ORIGIN_URL = 'http://127.0.0.1:8000';
export const DEFAULT_EDGE_URLS: readonly string[] = ['http://127.0.0.1:8081', 'http://127.0.0.1:8082', 'http://127.0.0.1:8083'];
export const DEFAULT_CONTROL_URL = 'http://127.0.0.1:9000';
export const DEFAULT_ORCHESTRATOR_URL = 'http://127.0.0.1:9100';

export interface Region {
  originUrl: string;
  edgeUrls: string[];
  controlUrl: string;
  orchestratorUrl: string;
  /** Bearer token of the origin admin API, control plane and orchestrator; undefined when unknown. */
  token: string | undefined;
  /** Where the values came from, for the line each script prints in setup(). */
  source: string;
}

interface RegionFile {
  token?: unknown;
  originUrl?: unknown;
  edgeUrls?: unknown;
  controlUrl?: unknown;
  orchestratorUrl?: unknown;
}

/**
 * Reads the region file in a script's init code: the text, or undefined when there is no such file
 * (k6's open() throws for a missing file; that is the normal case when EDGE_URLS etc. are given).
 */
export function readOptionalFile(read: () => string): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Merges the region file (if any), the environment and the defaults, in falling precedence: env, file, default. */
export function loadRegion(fileText: string | undefined): Region {
  let file: RegionFile = {};
  if (fileText !== undefined) {
    try {
      const parsed: unknown = JSON.parse(fileText);
      if (parsed !== null && typeof parsed === 'object') file = parsed as RegionFile;
    } catch (err) {
      throw new Error(`${REGION_FILE} is not valid JSON (${String(err)}); restart \`npm start\` or delete the file and set EDGE_URLS etc.`);
    }
  }
  const fileString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  const fileEdges = Array.isArray(file.edgeUrls) ? file.edgeUrls.filter((u): u is string => typeof u === 'string' && u !== '') : undefined;
  const envEdges = envOptional('EDGE_URLS');

  const edgeUrls = envEdges !== undefined ? envEdges.split(',').map((u) => u.trim()).filter((u) => u !== '') : fileEdges ?? [...DEFAULT_EDGE_URLS];
  const controlToken = envOptional('CONTROL_TOKEN') ?? fileString(file.token);
  return {
    originUrl: trimSlash(envOptional('ORIGIN_URL') ?? fileString(file.originUrl) ?? DEFAULT_ORIGIN_URL),
    edgeUrls: edgeUrls.map(trimSlash),
    controlUrl: trimSlash(envOptional('CONTROL_URL') ?? fileString(file.controlUrl) ?? DEFAULT_CONTROL_URL),
    orchestratorUrl: trimSlash(envOptional('ORCHESTRATOR_URL') ?? fileString(file.orchestratorUrl) ?? DEFAULT_ORCHESTRATOR_URL),
    token: controlToken,
    source: fileText === undefined ? `defaults and environment (no ${REGION_FILE})` : `${REGION_FILE} and environment`,
  };
}

/** The token, or a message that says where to get one; for setup(), which turns it into an abort. */
export function tokenProblem(region: Region): string | undefined {
  if (region.token !== undefined) return undefined;
  return `no admin token: ${REGION_FILE} was not found or has no token, and CONTROL_TOKEN is not set. ` +
    'Start the region with `npm start` (it writes the file) or pass -e CONTROL_TOKEN=<the token npm start printed>.';
}

export function bearer(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { Authorization: `Bearer ${token}` };
}

/** `http://127.0.0.1:8000` → `127.0.0.1:8000`: the authority edges put in cache keys (keyHost=origin). */
export function authorityOf(url: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(url);
  if (match === null || match[1] === undefined) throw new Error(`not an absolute URL: ${JSON.stringify(url)}`);
  const authority = match[1].toLowerCase();
  return authority.endsWith(':80') && url.toLowerCase().startsWith('http:') ? authority.slice(0, -3) : authority;
}

/** A path segment unique to this run, so every object a run touches starts cold at the origin. */
export function runId(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0')}`;
}

/** One line for setup() logs: which region this run is pointed at. */
export function describeRegion(region: Region): string {
  return `region from ${region.source}: origin ${region.originUrl}, edges ${region.edgeUrls.join(' ')}, ` +
    `control ${region.controlUrl}, orchestrator ${region.orchestratorUrl}, token ${region.token === undefined ? 'absent' : 'present'}`;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
