/**
 * Keyed pseudonyms for customer record ids.
 *
 * A record id never leaves the decode step in clear: it is replaced by
 * HMAC-SHA256(key, id), hex, truncated to 128 bits (32 hex chars; collisions are
 * negligible at any realistic customer count). The key lives only in custos'
 * configuration, never in ClickHouse, logs or alerts. An investigator who holds
 * the key computes the pseudonym of one customer (`custos pseudonym <id>`) and
 * finds that customer's accesses; without the key the pseudonyms cannot be
 * reversed or recomputed from a guessed id.
 *
 * Key rotation: a key may have an id (`CUSTOS_PSEUDONYM_KEY_ID`), and a
 * pseudonym made under it ends in `@<key id>` (`9f86…d015@k2`). The id rides in
 * the value itself, not in a column beside it, so that every place a pseudonym
 * is stored (an array of record refs, a pseudonymised session id, a console
 * audit target) says which key made it, a look-up is a plain string match, and
 * a restore reads back exactly what the engine counted. It is a suffix, not a
 * prefix: the engine keys a ref by its leading hex digits (engine/state/keys.ts),
 * which stay the HMAC's own uniform bits. A key without an id (the form before
 * key ids existed) makes bare 32-hex pseudonyms, so stored history of such a
 * key stays valid. See keyring.ts for the set of active keys.
 */
import { createHmac, createSecretKey } from 'node:crypto';
import { CustosError } from '../errors.js';
import { createHmacSha256Hex } from './hmac-sha256.js';
import { createHmacSha256HexBatch, type HmacEngine } from './hmac-sha256-batch.js';

export const PSEUDONYM_HEX_LENGTH = 32;

/** Between a pseudonym's hex and its key id. */
export const KEY_ID_SEPARATOR = '@';

/** Key ids: short, lowercase letters and digits (they are stored with every pseudonym). */
export const KEY_ID_PATTERN = /^[a-z0-9]{1,8}$/;

/**
 * The "key id" of the random replacement `custos db erase` writes over an
 * erased customer's pseudonyms (erasure.ts): reserved, so no configured key
 * can produce a value that looks erased.
 */
export const ERASED_KEY_ID = 'erased';

export type Pseudonymizer = (recordId: string) => string;

/** `keyId` empty: the unnamed key (bare hex, no suffix). */
export function createPseudonymizer(key: string | Buffer, keyId = ''): Pseudonymizer {
  // The key's pads are hashed once here; each id then costs two SHA-256 compressions (hmac-sha256.ts),
  // and the key id one string append.
  return createHmacSha256Hex(checkedKey(key, keyId), PSEUDONYM_HEX_LENGTH, suffixOf(keyId));
}

/** Fills `out[i]` with the pseudonym of `recordIds[i]`. */
export type BatchPseudonymizer = (recordIds: readonly string[], out: string[]) => void;

/**
 * The same pseudonyms as createPseudonymizer, for many ids in one call: decode
 * hashes a batch's ids at once, in WebAssembly where available
 * (hmac-sha256-batch.ts). `engine` forces one implementation (tests, benchmarks).
 */
export function createBatchPseudonymizer(key: string | Buffer, keyId = '', engine: HmacEngine | 'auto' = 'auto'): BatchPseudonymizer {
  return createHmacSha256HexBatch(checkedKey(key, keyId), PSEUDONYM_HEX_LENGTH, suffixOf(keyId), { engine }).hash;
}

function checkedKey(key: string | Buffer, keyId: string): Buffer {
  const keyBytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (keyBytes.length < 32) {
    // Guarded by config validation too; repeated here because a weak key silently
    // turns pseudonyms into something a guesser can brute-force.
    throw new CustosError('CUSTOS_CONFIG', 'pseudonym key must be at least 32 bytes');
  }
  if (keyId !== '' && (!KEY_ID_PATTERN.test(keyId) || keyId === ERASED_KEY_ID)) throw new CustosError('CUSTOS_CONFIG', 'pseudonym key id must be 1 to 8 lowercase letters or digits, and not "erased"');
  return keyBytes;
}

const suffixOf = (keyId: string): string => (keyId === '' ? '' : KEY_ID_SEPARATOR + keyId);

/** The key id a pseudonym was made under ('' for a bare one from the unnamed key). */
export function keyIdOf(pseudonym: string): string {
  const at = pseudonym.lastIndexOf(KEY_ID_SEPARATOR);
  return at < 0 ? '' : pseudonym.slice(at + 1);
}

/** Keeps a payload's digest apart from any pseudonym: a bare id as a payload must not give that id's pseudonym. */
const PAYLOAD_DOMAIN = Buffer.from('custos/rejected-payload\0', 'utf8');

/**
 * The digest of a refused message stored in `rejected_events.payload_sha256`:
 * HMAC-SHA256 under the pseudonym key, hex. Not a plain SHA-256: a short
 * payload (a producer bug sending a bare customer id, `["C-004711"]`) would
 * be found by hashing every id, by anyone who may read the table. The
 * dead-letter message is found by its position (topic, partition, offset);
 * the digest confirms it is the same bytes, for whoever holds the key.
 */
export function createPayloadDigest(key: string | Buffer): (payload: Buffer | null) => string {
  const secret = createSecretKey(checkedKey(key, ''));
  return (payload) =>
    createHmac('sha256', secret)
      .update(PAYLOAD_DOMAIN)
      .update(payload ?? EMPTY)
      .digest('hex');
}

const EMPTY = Buffer.alloc(0);
