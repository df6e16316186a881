/**
 * `custos pseudonym <customer-id>...`: what an investigator holding the keys
 * runs to find one customer's accesses. One line per customer and active key
 * (the current one first): `<customer id> TAB <key id> TAB <pseudonym>`, so
 * rows stored before a key rotation are found too. Reads the keys from
 * CUSTOS_PSEUDONYM_KEY, CUSTOS_PSEUDONYM_KEY_ID and CUSTOS_PSEUDONYM_OLD_KEYS
 * (or the config file), never from the command line, where they would land in
 * shell history.
 */
import { ConfigError, loadSettingsSubset } from '../config/load.js';
import { KEYRING_SETTING_KEYS, keyringFromSettings } from '../config/keyring-settings.js';
import { displayKeyId, pseudonymsUnderEveryKey, type PseudonymKeyring } from '../privacy/keyring.js';

export function pseudonymLines(keyring: PseudonymKeyring, customerIds: readonly string[]): string {
  let out = '';
  for (const id of customerIds) {
    for (const p of pseudonymsUnderEveryKey(keyring, id)) out += `${id}\t${displayKeyId(p.keyId)}${p.current ? '' : ' (old)'}\t${p.pseudonym}\n`;
  }
  return out;
}

export function pseudonymCommand(customerIds: string[], opts: { config?: string } = {}): number {
  let keyring: PseudonymKeyring;
  try {
    keyring = keyringFromSettings(loadSettingsSubset({ env: process.env, file: opts.config ?? process.env.CUSTOS_CONFIG_FILE }, KEYRING_SETTING_KEYS));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`custos: ${err.message}\n`);
      return 78;
    }
    throw err;
  }
  process.stdout.write(pseudonymLines(keyring, customerIds));
  return 0;
}
