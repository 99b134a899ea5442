/**
 * The edges' own peer protocol on the wire: every internal header field and method, named in one
 * place so signing, verifying and stripping cover the same list. A new internal field (a drain,
 * a push) is added to PEER_REQUEST_FIELDS and is then signed, verified and stripped like the rest.
 * Peer methods (PURGE today; a new one such as a drain) need no list: the method is signed, and a
 * handler honours one only when the pipeline says the request came from an authenticated peer
 * (`fromPeer` in Edge.handle); from anyone else it is an ordinary unknown method.
 */

/** Marks a request sent by a peer edge (value: the sender's id): the receiver answers it itself, never forwarding again. */
export const PEER_HEADER = 'x-edgeworks-peer';
/** On a peer request: answer from cache only (504 if absent); used for warm handoff. */
export const HANDOFF_HEADER = 'x-edgeworks-handoff';
/** On peer requests and answers: the highest purge sequence the sender has applied. */
export const PURGE_SEQ_HEADER = 'x-edgeworks-purge-seq';
/**
 * Response only, on a peer's answer served from a copy that is not fresh: `if-error` when its
 * origin failed (stale-if-error, RFC 5861 §4), `max-stale` when the client's max-stale accepted it
 * (RFC 9111 §5.2.1.2). The content is stale, not a fill nor a validation: the asking edge keeps it
 * in no store and does not take a 304 carrying it as proof that its own copy is fresh (a soft
 * purge leaves no trace in Age, so the copy would otherwise come back fresh on another edge).
 */
export const STALE_ANSWER_HEADER = 'x-edgeworks-stale';

export type StaleAnswer = 'if-error' | 'max-stale';

/** The STALE_ANSWER_HEADER value; anything unknown is taken as the stricter `max-stale` (shared with no one). */
export function staleAnswerOf(value: string | undefined): StaleAnswer | undefined {
  return value === undefined ? undefined : value === 'if-error' ? 'if-error' : 'max-stale';
}
/**
 * Response only, on a peer's answer from a stored copy whose served fields hide its surrogate keys
 * (a qualified no-cache="surrogate-key" drops Surrogate-Key from what is served): the keys,
 * separated by spaces. The asking edge stores the copy with these (else with the answer's
 * Surrogate-Key), so a later surrogate-key purge finds it there too, and judges a lagging peer's
 * answer by them. Not sent beside a served Surrogate-Key: the same list twice could push a
 * tag-heavy head past the asking edge's limit.
 */
export const SURROGATE_KEYS_HEADER = 'x-edgeworks-surrogate-keys';
/**
 * On a peer PUT: a leaving edge hands over one stored response to the key's new owner (graceful
 * leave). The value is the pushing edge's id. Honoured only on an authenticated peer request.
 */
export const PUSH_HEADER = 'x-edgeworks-push';
/**
 * Response only, on a handoff miss (504) to a peer: the id of the edge the answering edge itself
 * would take the key over from (it is inside its own handoff window), so the asking edge can try
 * there once more. Like every internal field it never reaches a client: responses drop every
 * INTERNAL_FIELD_PREFIX field (responses.ts, build-stored.ts).
 */
export const HANDOFF_NEXT_HEADER = 'x-edgeworks-handoff-next';
/**
 * On a peer request with a body (a push): base64url SHA-256 of the exact body bytes. Signed like
 * every field here, so a captured request replayed with another body is refused (peer-auth.ts).
 */
export const CONTENT_DIGEST_HEADER = 'x-edgeworks-content-sha256';
/** On a signed peer request: the sender's wall-clock time in milliseconds since the epoch. */
export const PEER_TIME_HEADER = 'x-edgeworks-time';
/** On a signed peer request: `v1=<base64url HMAC-SHA256>` over the request (see peer-auth.ts). */
export const PEER_SIGNATURE_HEADER = 'x-edgeworks-signature';

/**
 * The internal request fields a signature covers, in signing order. Every one is honoured only on
 * an authenticated peer request and removed from any other before the edge looks at it.
 */
export const PEER_REQUEST_FIELDS: readonly string[] = [PEER_HEADER, HANDOFF_HEADER, PURGE_SEQ_HEADER, PUSH_HEADER, CONTENT_DIGEST_HEADER, PEER_TIME_HEADER];

/** Every internal request field: the signed ones and the signature itself. */
export const INTERNAL_REQUEST_FIELDS: readonly string[] = [...PEER_REQUEST_FIELDS, PEER_SIGNATURE_HEADER];

/** Every internal field, known or not, starts with this; none is ever forwarded or sent to a client. */
export const INTERNAL_FIELD_PREFIX = 'x-edgeworks-';
