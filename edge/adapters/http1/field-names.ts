/**
 * Request field names lower-cased (RFC 9110 §5.1: names are case-insensitive) without a copy for
 * the names clients send on nearly every request: those come back as one constant string, already
 * internalized, so the name costs no allocation and the header object's property store with it as
 * the key costs no string-table lookup. Any other name is sliced and lower-cased as usual.
 */
// The list lives with the header object, whose field order follows it.
import { COMMON_NAMES } from '../../pipeline/common-field-names.js';

/** Indexes into COMMON_NAMES by length: a name is compared only with the few of its own length. */
const BY_LENGTH: ReadonlyArray<readonly number[] | undefined> = (() => {
  const out: number[][] = [];
  COMMON_NAMES.forEach((name, i) => (out[name.length] ??= []).push(i));
  return out;
})();

/**
 * The name `text[start, end)` lower-cased. The caller has checked that every byte of it is a tchar
 * (RFC 9110 §5.6.2).
 */
export function fieldNameAt(text: string, start: number, end: number): string {
  return commonFieldNameAt(text, start, end) ?? text.slice(start, end).toLowerCase();
}

/**
 * The constant common name `text[start, end)` spells, in any case; undefined when it is none of
 * them. Among tchars, setting bit 0x20 lower-cases a letter and changes no '-' or letter into
 * anything else, so comparing with it matches a common name in any spelling, and only it.
 */
export function commonFieldNameAt(text: string, start: number, end: number): string | undefined {
  const index = commonFieldNameIndex(text, start, end);
  return index < 0 ? undefined : COMMON_NAMES[index];
}

/** The index in COMMON_NAMES of the name `text[start, end)` spells, in any case; -1 when it is none of them. */
export function commonFieldNameIndex(text: string, start: number, end: number): number {
  const candidates = BY_LENGTH[end - start];
  if (candidates === undefined) return -1;
  const length = end - start;
  for (let c = 0; c < candidates.length; c++) {
    const name = COMMON_NAMES[candidates[c]!]!;
    let i = 0;
    while (i < length && (text.charCodeAt(start + i) | 0x20) === name.charCodeAt(i)) i++;
    if (i === length) return candidates[c]!;
  }
  return -1;
}

/**
 * Whether a head's field names are all common ones and none repeats, from their COMMON_NAMES
 * indexes: then the header object needs no look-up per field to combine repeats (parser.ts, HeadFields).
 * Any other name (-1) answers "not known distinct", which costs only that look-up.
 */
export class DistinctCommonNames {
  private low = 0;
  private high = 0;
  distinct = true;

  reset(): void {
    this.low = 0;
    this.high = 0;
    this.distinct = true;
  }

  add(index: number): void {
    if (!this.distinct) return;
    if (index < 0) {
      this.distinct = false;
    } else if (index < 30) {
      const bit = 1 << index;
      if ((this.low & bit) !== 0) this.distinct = false;
      this.low |= bit;
    } else {
      const bit = 1 << (index - 30);
      if ((this.high & bit) !== 0) this.distinct = false;
      this.high |= bit;
    }
  }
}

// Two 30-bit sets hold every index.
if (COMMON_NAMES.length > 60) throw new Error('DistinctCommonNames holds 60 common names');
