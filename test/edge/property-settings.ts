/**
 * One seed and one run count for every property test: fixed in `npm test`, so a run is repeatable;
 * `npm run fuzz` raises the count (FUZZ_RUNS) and may change the seed (FUZZ_SEED). A failure
 * prints fast-check's counterexample and the seed and path that replay it.
 */
import fc from 'fast-check';

export const PROPERTY_SEED = Number(process.env['FUZZ_SEED'] ?? 11);
export const PROPERTY_RUNS = Number(process.env['FUZZ_RUNS'] ?? 200);

fc.configureGlobal({ seed: PROPERTY_SEED, numRuns: PROPERTY_RUNS });

/** How many cases each property ran, printed once per file so a run reports what it covered. */
export function reportRuns(file: string, properties: number): void {
  if (process.env['FUZZ_RUNS'] !== undefined) console.log(`${file}: ${properties} properties x ${PROPERTY_RUNS} cases, seed ${PROPERTY_SEED}`);
}
