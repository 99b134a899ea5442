/**
 * Reading k6 `-e NAME=value` / environment variables with defaults, failing in the init context
 * with a message that names the variable when a value does not parse.
 */

export function envString(name: string, fallback: string): string {
  const value = __ENV[name];
  return value === undefined || value.trim() === '' ? fallback : value.trim();
}

export function envOptional(name: string): string | undefined {
  const value = __ENV[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A finite number within [min, max]; anything else throws before the test starts. */
export function envNumber(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = envOptional(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`environment variable ${name}: expected a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function envInteger(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const value = envNumber(name, fallback, min, max);
  if (!Number.isInteger(value)) throw new Error(`environment variable ${name}: expected an integer, got ${value}`);
  return value;
}
