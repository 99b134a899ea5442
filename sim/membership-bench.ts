/**
 * Origin fetches caused by one join, one graceful leave and one rolling restart of a region under
 * steady load, as fractions of the requested keys that moved (the membership-origin checker's
 * figures, sim/checkers/membership-origin.ts), summed over seeds. Also the client errors among
 * requests sent to edges that were up or draining. `runMembershipBench({ seeds })` returns them;
 * run directly: `node dist/sim/membership-bench.js [seeds] [--break handoff]`.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScenario } from './run.js';
import { loadScenario } from './scenario/schema.js';
import type { Break } from './world/world.js';

export const MEMBERSHIP_SCENARIOS = [
  { id: 'join', file: 'sim/scenarios/join-under-load.json', label: 'one join (3 -> 4 edges)' },
  { id: 'leave', file: 'sim/scenarios/leave-under-load.json', label: 'one graceful leave (4 -> 3 edges)' },
  { id: 'rollingRestart', file: 'sim/scenarios/rolling-restart-region.json', label: 'rolling restart (4 edges, graceful)' },
] as const;

export interface MembershipFigures {
  id: string;
  label: string;
  seeds: number;
  requestedMovedKeys: number;
  causedFetches: number;
  causedFraction: number;
  clientErrors: number;
  checkersPassed: boolean;
}

export async function runMembershipBench(options: { seeds?: number; root?: string; breaks?: ReadonlySet<Break> } = {}): Promise<MembershipFigures[]> {
  const seeds = options.seeds ?? 3;
  const root = options.root ?? '.';
  const out: MembershipFigures[] = [];
  for (const s of MEMBERSHIP_SCENARIOS) {
    const scenario = loadScenario(resolve(root, s.file));
    let requested = 0;
    let caused = 0;
    let errors = 0;
    let passed = true;
    for (let seed = 1; seed <= seeds; seed++) {
      const r = await runScenario(scenario, { seed, ...(options.breaks === undefined ? {} : { breaks: options.breaks }) });
      const stats = r.verdicts.find((v) => v.name === 'membership-origin')?.stats ?? {};
      requested += stats['requestedMovedKeys'] ?? 0;
      caused += stats['causedFetches'] ?? 0;
      errors += r.summary.errors;
      passed &&= r.crash === undefined && r.verdicts.every((v) => v.ok);
    }
    out.push({ id: s.id, label: s.label, seeds, requestedMovedKeys: requested, causedFetches: caused, causedFraction: requested === 0 ? 0 : caused / requested, clientErrors: errors, checkersPassed: passed });
  }
  return out;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const seeds = Number(process.argv[2] ?? 3);
  const breaks = process.argv.includes('--break') ? new Set<Break>(['handoff']) : undefined;
  runMembershipBench({ seeds, ...(breaks === undefined ? {} : { breaks }) }).then(
    (figures) => {
      for (const f of figures) {
        process.stdout.write(`${f.label.padEnd(38)} caused ${String(f.causedFetches).padStart(4)} of ${String(f.requestedMovedKeys).padStart(5)} requested moved keys = ${(100 * f.causedFraction).toFixed(1)}%; client errors ${f.clientErrors}; checkers ${f.checkersPassed ? 'pass' : 'FAIL'} (seeds 1-${f.seeds})\n`);
      }
    },
    (err: unknown) => {
      process.stderr.write(`membership-bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
