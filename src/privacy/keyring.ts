/**
 * The pseudonym keys custos knows: the current one, which decode (and the
 * minimiser) pseudonymise with, and old ones, which are never used to write
 * but are still searched, because stored rows made under them stay until
 * their retention removes them.
 *
 * A rotation: give the new key an id (`CUSTOS_PSEUDONYM_KEY_ID`), make it
 * `CUSTOS_PSEUDONYM_KEY`, and move the previous key to
 * `CUSTOS_PSEUDONYM_OLD_KEYS` as `<its id>:<its key>` (an empty id for a key
 * that had none). Keep it there for the access_events retention; then no
 * stored pseudonym was made under it and it can go (docs/security.md).
 *
 * Look-ups (`custos pseudonym`, subject reports, `custos db erase`) compute a
 * customer's pseudonym under every active key: one HMAC per key, off the hot
 * path. Decode computes one, under the current key only.
 */
import { ERASED_KEY_ID, KEY_ID_PATTERN, createPseudonymizer } from './pseudonym.js';

export interface PseudonymKey {
  /** '' for the unnamed key (bare pseudonyms, the form before key ids). */
  readonly id: string;
  readonly secret: string;
}

export interface PseudonymKeyring {
  readonly current: PseudonymKey;
  readonly old: readonly PseudonymKey[];
}

export interface KeyedPseudonym {
  readonly keyId: string;
  readonly pseudonym: string;
  readonly current: boolean;
}

/** How a key id is shown to people ('' is the unnamed key). */
export function displayKeyId(id: string): string {
  return id === '' ? '(unnamed)' : id;
}

/**
 * The keyring from the settings' values: the current key and id, and the old
 * keys as `<id>:<key>` entries. Returns the problems instead when there are
 * any; a problem names the setting and the key id, never a key.
 */
export function createKeyring(currentSecret: string, currentId: string, oldEntries: readonly string[]): { ok: true; keyring: PseudonymKeyring } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  if (currentId !== '' && (!KEY_ID_PATTERN.test(currentId) || currentId === ERASED_KEY_ID)) problems.push('CUSTOS_PSEUDONYM_KEY_ID: must be 1 to 8 lowercase letters or digits, and not "erased"');
  const old: PseudonymKey[] = [];
  const seen = new Set<string>([currentId]);
  oldEntries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    if (colon < 0) {
      problems.push(`CUSTOS_PSEUDONYM_OLD_KEYS: entry ${i + 1} must be <key id>:<key> (an empty id for the unnamed key)`);
      return;
    }
    const id = entry.slice(0, colon);
    const secret = entry.slice(colon + 1);
    if (id !== '' && (!KEY_ID_PATTERN.test(id) || id === ERASED_KEY_ID)) {
      problems.push(`CUSTOS_PSEUDONYM_OLD_KEYS: entry ${i + 1}: the key id must be empty or 1 to 8 lowercase letters or digits, and not "erased"`);
      return;
    }
    if (Buffer.byteLength(secret, 'utf8') < 32) {
      problems.push(`CUSTOS_PSEUDONYM_OLD_KEYS: the key of ${displayKeyId(id)} must be at least 32 characters`);
      return;
    }
    if (seen.has(id)) {
      problems.push(`CUSTOS_PSEUDONYM_OLD_KEYS: key id ${displayKeyId(id)} is given twice (or is the current key's, CUSTOS_PSEUDONYM_KEY_ID)`);
      return;
    }
    if (secret === currentSecret) {
      problems.push(`CUSTOS_PSEUDONYM_OLD_KEYS: the key of ${displayKeyId(id)} is the current key (CUSTOS_PSEUDONYM_KEY): one key, one id`);
      return;
    }
    seen.add(id);
    old.push({ id, secret });
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, keyring: { current: { id: currentId, secret: currentSecret }, old } };
}

/** Every active key, the current one first. */
export function activeKeys(keyring: PseudonymKeyring): PseudonymKey[] {
  return [keyring.current, ...keyring.old];
}

/** A customer id's pseudonym under every active key, the current one first. */
export function pseudonymsUnderEveryKey(keyring: PseudonymKeyring, customerId: string): KeyedPseudonym[] {
  return activeKeys(keyring).map((key, i) => ({ keyId: key.id, pseudonym: createPseudonymizer(key.secret, key.id)(customerId), current: i === 0 }));
}
