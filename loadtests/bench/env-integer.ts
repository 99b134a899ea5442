/** The benches' integer options from the environment, one rule for all of them. */

/**
 * `env[name]` as an integer >= `min`; `dflt` when unset or empty. A bad value throws one line
 * naming the variable, what it expected and what it got.
 */
export function envInteger(env: Readonly<Record<string, string | undefined>>, name: string, dflt: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: expected an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}
