/**
 * The median of a list of measurements (the mean of the middle two for an even count; NaN for
 * none). Every bench reports the median of its rounds: one disturbed round cannot move it the
 * way it moves a mean.
 */
export function median(values: readonly number[]): number {
  const xs = [...values].sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}
