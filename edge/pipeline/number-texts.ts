/**
 * The texts `prefix + n` of recently used integers, kept in a small direct-mapped table.
 *
 * Why: every hot object's hit answer is retimed once a second (its Age and the ttl in its
 * Cache-Status). A new string per retime lived about a second: long enough to be promoted by the
 * scavenger, so with a 10,000-object hot set the old generation grew by ~0.6 MB a second and a
 * mark-compact (6-11 ms pause, up to 40 ms of slower scavenges while marking ran on the same
 * core) followed every 10-40 s (`node --trace-gc` of the edge under wrk). Objects stored around the
 * same time share their age, so a handful of texts serves a whole hot set, and they are reused
 * instead of made again.
 *
 * Bounded: `slots` texts at most, a slot holding the last number that mapped to it.
 */
export class NumberTexts {
  private readonly numbers: Float64Array;
  private readonly texts: string[];
  private readonly mask: number;

  /** `slots`: a power of two. */
  constructor(private readonly prefix: string, slots = 1024) {
    if (!Number.isInteger(Math.log2(slots))) throw new Error(`NumberTexts: slots must be a power of two, got ${slots}`);
    this.mask = slots - 1;
    this.numbers = new Float64Array(slots).fill(Number.NaN);
    this.texts = new Array<string>(slots).fill('');
  }

  /** `prefix + n` for an integer `n` (a safe integer; NaN or a fraction is formatted, not kept). */
  text(n: number): string {
    const slot = n & this.mask;
    if (this.numbers[slot] === n) return this.texts[slot]!;
    const text = `${this.prefix}${n}`;
    if (!Number.isInteger(n)) return text;
    // A prefixed text starts life as a pair of pointers (a cons string); reading a character
    // flattens it once here rather than on every write of it.
    text.charCodeAt(0);
    this.numbers[slot] = n;
    this.texts[slot] = text;
    return text;
  }
}
