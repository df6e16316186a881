/**
 * The pseudonym keyring from the settings (CUSTOS_PSEUDONYM_KEY,
 * CUSTOS_PSEUDONYM_KEY_ID, CUSTOS_PSEUDONYM_OLD_KEYS): one place for every
 * command that pseudonymises or searches, so they all refuse the same bad
 * rings with the same messages (which name settings and key ids, never keys).
 */
import { createKeyring, type PseudonymKeyring } from '../privacy/keyring.js';
import { ConfigError } from './load.js';
import type { Settings } from './settings.js';

export const KEYRING_SETTING_KEYS = ['pseudonym_key', 'pseudonym_key_id', 'pseudonym_old_keys'] as const;

export function keyringFromSettings(s: Pick<Settings, (typeof KEYRING_SETTING_KEYS)[number]>): PseudonymKeyring {
  const r = createKeyring(s.pseudonym_key, s.pseudonym_key_id, s.pseudonym_old_keys);
  if (!r.ok) throw new ConfigError(r.problems);
  return r.keyring;
}
