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
 */
import { createHmacSha256Hex } from './hmac-sha256.js';

export const PSEUDONYM_HEX_LENGTH = 32;

export type Pseudonymizer = (recordId: string) => string;

export function createPseudonymizer(key: string | Buffer): Pseudonymizer {
  const keyBytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (keyBytes.length < 32) {
    // Guarded by config validation too; repeated here because a weak key silently
    // turns pseudonyms into something a guesser can brute-force.
    throw new Error('pseudonym key must be at least 32 bytes');
  }
  // The key's pads are hashed once here; each id then costs two SHA-256 compressions (hmac-sha256.ts).
  return createHmacSha256Hex(keyBytes, PSEUDONYM_HEX_LENGTH);
}
