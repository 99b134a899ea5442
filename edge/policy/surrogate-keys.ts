/**
 * Surrogate keys (cache tags, purged by `kind: key`): the members of a response's Surrogate-Key
 * field. A stored copy keeps the keys the origin gave, whether or not it serves the field: a
 * qualified no-cache="surrogate-key" or private="surrogate-key" drops the field from what a cache
 * sends (RFC 9111 §5.2.2.4, §5.2.2.7) but not the tags from the copy. So whatever builds a copy
 * from fields already served (a peer's answer, a push, a 304 merged into the stored fields) must
 * be told the keys, or a later surrogate-key purge misses the copy.
 */

/**
 * The keys a Surrogate-Key field value names: its members separated by spaces or tabs (a field
 * value's only whitespace, RFC 9110 §5.6.3; \s would also split at U+00A0, an obs-text byte that
 * a key may hold, so one key stored could come back as two from a peer).
 */
export function parseSurrogateKeys(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(/[ \t]+/).filter((k) => k !== '');
}

/**
 * The keys a copy keeps after a 304 (RFC 9111 §4.3.4): a 304 that carries Surrogate-Key replaces
 * them, as it replaces any stored field; one without it leaves them as they were, which the
 * stored fields alone may not say.
 */
export function surrogateKeysAfterNotModified(stored: readonly string[], notModifiedValue: string | undefined): readonly string[] {
  return notModifiedValue === undefined ? stored : parseSurrogateKeys(notModifiedValue);
}
