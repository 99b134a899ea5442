/**
 * The field lines of a connection's previous request head, with the name and value each parsed
 * to, so the next head on the same connection reuses them where a line is byte-for-byte the same.
 *
 * Why: a client sends nearly the same head on every request of a connection (a browser's Accept,
 * Accept-Language, Sec-Fetch-*, Referer, often Cookie and User-Agent: ~800 bytes over ~15 fields),
 * HTTP/2's HPACK exists for the same reason. Checking every byte, finding the name among the common
 * ones and slicing the value cost about 1.5 µs per browser-like head in V8, where comparing one
 * line with the one at the same place in the previous head costs one slice and one native string
 * comparison. Only the lines that differ (typically Cookie, User-Agent) are checked and split.
 *
 * Strictness is unchanged: whether a field line is acceptable, and its name and value, depend only
 * on its own bytes (RFC 9112 §5), so a line equal to one already accepted needs no second check;
 * the checks over all fields (Host, framing, count) still run on every head (parser.ts).
 *
 * Bounded: at most one entry per field of one head (maxHeaderCount), and only heads of at most
 * MEMO_MAX_HEAD_CHARS characters are remembered. A reused line is re-pointed at the new head (its
 * value is sliced from it again, the line kept is the slice just compared), so between requests a
 * connection keeps the text of one head, not of every head a line was first seen in. That text is
 * a JS string decoded (copied) from the read buffer: no Buffer, and no view of a reused read
 * buffer, is kept.
 */

/** Heads longer than this are parsed as usual but not remembered (a connection keeps at most this much text). */
export const MEMO_MAX_HEAD_CHARS = 4096;

/**
 * Field line k of the remembered head is `text[starts[k], ends[k])` (without its CRLF); its name
 * ends at `nameEnds[k]` and its value (without surrounding whitespace) is
 * `[valueStarts[k], valueEnds[k])`, all measured from the line's start.
 *
 * Lines that were equal to their predecessor last time are `stable`: a run of them is compared
 * with the new head as one block (one slice and one comparison for, typically, a dozen fields),
 * and only when the block differs are its lines compared one by one, which also marks them
 * unstable, so no line is compared more than twice per head.
 */
export class FieldLineMemo {
  /** The remembered head (what the parser decoded; ends somewhere after its empty line). */
  text = '';
  /** Entries from the remembered head; indexes at or beyond it are stale. */
  count = 0;
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly nameEnds: number[] = [];
  readonly valueStarts: number[] = [];
  readonly valueEnds: number[] = [];
  /** The constant common name (field-names.ts), or undefined for any other name (lower-cased again when reused). */
  readonly names: Array<string | undefined> = [];
  /** Its index in COMMON_NAMES, -1 for any other name. */
  readonly nameIndexes: number[] = [];
  readonly stable: boolean[] = [];
  /**
   * For a line found stable again: its value, and its lower-cased name when that is not a common
   * one, as strings of their own (not slices of any head), reused while the line stays stable.
   * Cleared when the line changes (unsettle).
   */
  readonly values: Array<string | undefined> = [];
  readonly ownNames: Array<string | undefined> = [];

  /** Line k is not (or no longer) known equal to its predecessor: what was kept of it goes. */
  unsettle(k: number): void {
    this.stable[k] = false;
    this.values[k] = undefined;
    this.ownNames[k] = undefined;
  }

  /** Entries `count` and on are dropped; `text` is the head they now point into. */
  settle(text: string, count: number): void {
    this.text = text;
    this.count = count;
    if (this.starts.length > count) {
      this.starts.length = count;
      this.ends.length = count;
      this.nameEnds.length = count;
      this.valueStarts.length = count;
      this.valueEnds.length = count;
      this.names.length = count;
      this.nameIndexes.length = count;
      this.stable.length = count;
      this.values.length = count;
      this.ownNames.length = count;
    }
  }

  /** Forgets everything (after a head that failed part-way, whose entries point into two texts). */
  clear(): void {
    this.settle('', 0);
  }
}
