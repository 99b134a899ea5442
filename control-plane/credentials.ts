/**
 * Who may call what. Two roles with separate bearer tokens: `admin` (purges, receipts, edges,
 * regions, metrics: what operators and tools use) and `edge` (the stream, acks, heartbeats: what
 * edges use), so a credential copied from an edge's config cannot purge, and an operator's
 * cannot pose as an edge. Each role may hold several tokens at once, which is how tokens rotate
 * without a restart: add the new one, reload (SIGHUP), move the clients, remove the old one.
 */
import { timingSafeEqual } from 'node:crypto';

export type Role = 'admin' | 'edge';
export const MIN_TOKEN_CHARS = 16;
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

export interface TokenSet {
  admin: readonly string[];
  edge: readonly string[];
}

export class Credentials {
  private tokens: { admin: Buffer[]; edge: Buffer[] };

  constructor(tokens: TokenSet) {
    this.tokens = Credentials.encode(tokens);
  }

  /** Swaps in a new set (a reload); requests already authorized are not affected. */
  replace(tokens: TokenSet): void {
    this.tokens = Credentials.encode(tokens);
  }

  /** Whether `Authorization` carries a token of this role. Compares every token without early exit. */
  allows(role: Role, authorization: string | undefined): boolean {
    if (authorization === undefined || !authorization.startsWith('Bearer ')) return false;
    const given = Buffer.from(authorization.slice('Bearer '.length), 'utf8');
    let ok = false;
    for (const token of this.tokens[role]) {
      if (given.length === token.length && timingSafeEqual(given, token)) ok = true;
    }
    return ok;
  }

  private static encode(tokens: TokenSet): { admin: Buffer[]; edge: Buffer[] } {
    for (const role of ['admin', 'edge'] as const) {
      if (tokens[role].length === 0) throw new Error(`no ${role} token`);
      for (const token of tokens[role]) {
        const problem = tokenProblem(token);
        if (problem !== undefined) throw new Error(`${role} token: ${problem}`);
      }
    }
    return { admin: tokens.admin.map((t) => Buffer.from(t)), edge: tokens.edge.map((t) => Buffer.from(t)) };
  }
}

export function tokenProblem(token: string): string | undefined {
  if (!TOKEN_PATTERN.test(token)) return 'must be visible ASCII characters without spaces';
  if (token.length < MIN_TOKEN_CHARS) return `must be at least ${MIN_TOKEN_CHARS} characters, got ${token.length}`;
  return undefined;
}

/**
 * A token file: one `<role> <token>` per line (`admin` or `edge`), `#` comments and blank lines
 * ignored; a role may appear on several lines. Both roles are required.
 */
export function parseTokenFile(text: string): { ok: true; tokens: TokenSet } | { ok: false; message: string } {
  const admin: string[] = [];
  const edge: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(admin|edge)\s+(\S+)$/.exec(line);
    if (m === null) return { ok: false, message: `line ${i + 1}: expected "admin <token>" or "edge <token>"` };
    const problem = tokenProblem(m[2]!);
    if (problem !== undefined) return { ok: false, message: `line ${i + 1}: ${m[1]} token ${problem}` };
    (m[1] === 'admin' ? admin : edge).push(m[2]!);
  }
  if (admin.length === 0) return { ok: false, message: 'no "admin <token>" line' };
  if (edge.length === 0) return { ok: false, message: 'no "edge <token>" line' };
  return { ok: true, tokens: { admin, edge } };
}
