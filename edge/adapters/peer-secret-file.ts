/** Reads the region's peer secret(s) from a file: the only place the edge reads a secret from disk. */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../common/config-loader.js';
import type { EdgeConfig } from '../config.js';
import { MIN_PEER_SECRET_CHARS } from '../routing/peer-auth.js';

/**
 * The config with `peerAuth.secret` (first line) and `peerAuth.acceptSecret` (second line, optional)
 * taken from `peerAuth.secretFile`. Secrets given as flags or environment win over the file.
 */
export function withPeerSecretFile(config: EdgeConfig): EdgeConfig {
  const p = config.peerAuth;
  if (p.secretFile === undefined || p.secret !== undefined) return config;
  let text: string;
  try {
    text = readFileSync(p.secretFile, 'utf8');
  } catch (err) {
    throw new ConfigError(`peerAuth.secretFile: cannot read ${JSON.stringify(p.secretFile)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length < 1 || lines.length > 2) throw new ConfigError(`peerAuth.secretFile: must hold one or two secrets, one per line, got ${lines.length} lines`);
  for (const line of lines) {
    if (line.length < MIN_PEER_SECRET_CHARS) throw new ConfigError(`peerAuth.secretFile: every secret must be at least ${MIN_PEER_SECRET_CHARS} characters`);
  }
  const [secret, acceptSecret] = lines as [string, string | undefined];
  return { ...config, peerAuth: { ...p, secret, ...(acceptSecret === undefined || p.acceptSecret !== undefined ? {} : { acceptSecret }) } };
}
