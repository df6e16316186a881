/**
 * Pseudonym key rotation: a key id rides in every pseudonym as a suffix,
 * decode still computes one HMAC per ref, the unnamed key keeps the bare form
 * stored history has, and look-ups answer under every active key.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettingsSubset, redactedConfig } from '../../../src/config/load.js';
import { KEYRING_SETTING_KEYS, keyringFromSettings } from '../../../src/config/keyring-settings.js';
import { loadConfig } from '../../../src/config/load.js';
import { createDecoder } from '../../../src/runtime/decode/decoder.js';
import { createKeyring, pseudonymsUnderEveryKey } from '../../../src/privacy/keyring.js';
import { createPseudonymizer, keyIdOf } from '../../../src/privacy/pseudonym.js';
import { createOptionalFieldMinimiser } from '../../../src/privacy/minimise.js';
import { pseudonymLines } from '../../../src/cli/pseudonym.js';
import { refKey } from '../../../src/runtime/engine/state/keys.js';
import { checkCommand } from '../../../src/cli/check.js';

const OLD = 'o'.repeat(40);
const NEW = 'n'.repeat(40);
const hex = (key: string, id: string) => createHmac('sha256', key).update(id, 'utf8').digest('hex').slice(0, 32);

describe('pseudonyms with a key id', () => {
  it('end in @<key id> after the HMAC of the id; the unnamed key gives the bare form stored before key ids', () => {
    expect(createPseudonymizer(NEW, 'k2')('C-1')).toBe(`${hex(NEW, 'C-1')}@k2`);
    expect(createPseudonymizer(OLD)('C-1')).toBe(hex(OLD, 'C-1'));
    expect(keyIdOf(`${hex(NEW, 'C-1')}@k2`)).toBe('k2');
    expect(keyIdOf(hex(OLD, 'C-1'))).toBe('');
  });

  it('keep the engine keying a ref by its leading HMAC bits (the id is a suffix, not a prefix)', () => {
    const bare = createPseudonymizer(NEW)('C-77');
    const withId = createPseudonymizer(NEW, 'k2')('C-77');
    expect(refKey(withId)).toBe(refKey(bare));
  });

  it('are what decode stores as record_refs, and what the minimiser writes for a pseudonymised session', () => {
    const decode = createDecoder({ pseudonymKey: NEW, pseudonymKeyId: 'k2', maxMessageBytes: 4096 });
    const r = decode(Buffer.from(JSON.stringify({ event_id: 'e1', ts: 1_700_000_000_000, actor_id: 'a', action: 'read', resource_type: 'customer', record_ids: ['C-1', 'C-2'] })));
    expect(r.ok && r.event.record_refs).toEqual([`${hex(NEW, 'C-1')}@k2`, `${hex(NEW, 'C-2')}@k2`]);
    const minimise = createOptionalFieldMinimiser({ source_ip: 'clear', user_agent: 'clear', session_id: 'pseudonymised' }, NEW, 'k2');
    expect(minimise({ source_ip: null, user_agent: null, session_id: 's-1' }).session_id).toMatch(/^[0-9a-f]{32}@k2$/);
  });

  it('refuse a key id outside the pattern, and the reserved "erased"', () => {
    expect(() => createPseudonymizer(NEW, 'K2')).toThrow(/key id/);
    expect(() => createPseudonymizer(NEW, 'erased')).toThrow(/key id/);
  });
});

describe('the keyring', () => {
  it('answers under every active key, the current one first', () => {
    const r = createKeyring(NEW, 'k2', [`:${OLD}`]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(pseudonymsUnderEveryKey(r.keyring, 'C-1')).toEqual([
      { keyId: 'k2', pseudonym: `${hex(NEW, 'C-1')}@k2`, current: true },
      { keyId: '', pseudonym: hex(OLD, 'C-1'), current: false },
    ]);
    expect(pseudonymLines(r.keyring, ['C-1'])).toBe(`C-1\tk2\t${hex(NEW, 'C-1')}@k2\nC-1\t(unnamed) (old)\t${hex(OLD, 'C-1')}\n`);
  });

  it('refuses bad old keys with messages that name the setting and key id, never a key', () => {
    const cases: [string, string[], RegExp][] = [
      ['k2', ['no-colon-here-but-long-enough-0123456789'], /entry 1 must be <key id>:<key>/],
      ['k2', [`K1:${OLD}`], /entry 1: the key id/],
      ['k2', ['k1:short'], /key of k1 must be at least 32/],
      ['k2', [`k2:${OLD}`], /k2 is given twice/],
      ['k2', [`k1:${OLD}`, `k1:${'x'.repeat(40)}`], /k1 is given twice/],
      ['', [`:${OLD}`], /\(unnamed\) is given twice/],
      ['k2', [`k1:${NEW}`], /is the current key/],
    ];
    for (const [id, entries, message] of cases) {
      const r = createKeyring(NEW, id, entries);
      expect(r.ok, JSON.stringify(entries)).toBe(false);
      if (r.ok) continue;
      expect(r.problems.join('\n')).toMatch(message);
      expect(r.problems.join('\n')).not.toContain(OLD);
      expect(r.problems.join('\n')).not.toContain(NEW);
    }
  });

  it('comes from CUSTOS_PSEUDONYM_KEY, _KEY_ID and _OLD_KEYS, which are never shown', () => {
    const env = { CUSTOS_PSEUDONYM_KEY: NEW, CUSTOS_PSEUDONYM_KEY_ID: 'k2', CUSTOS_PSEUDONYM_OLD_KEYS: `k1:${OLD}, :${'u'.repeat(32)}` };
    const ring = keyringFromSettings(loadSettingsSubset({ env }, KEYRING_SETTING_KEYS));
    expect(ring.current).toEqual({ id: 'k2', secret: NEW });
    expect(ring.old.map((k) => k.id)).toEqual(['k1', '']);
    const shown = JSON.stringify(redactedConfig(loadConfig({ env: { ...env, CUSTOS_KAFKA_BROKERS: '127.0.0.1:9092', CUSTOS_CLICKHOUSE_URL: 'http://127.0.0.1:8123' } })));
    expect(shown).not.toContain(OLD);
    expect(shown).toContain('"pseudonym_old_keys":"(set)"');
    expect(() => keyringFromSettings(loadSettingsSubset({ env: { ...env, CUSTOS_PSEUDONYM_OLD_KEYS: 'k2:' + OLD } }, KEYRING_SETTING_KEYS))).toThrow(ConfigError);
    expect(() => loadSettingsSubset({ env: { ...env, CUSTOS_PSEUDONYM_KEY_ID: 'Bad-Id' } }, KEYRING_SETTING_KEYS)).toThrow(/CUSTOS_PSEUDONYM_KEY_ID/);
  });

  it('is checked by custos check as the monitor checks it at start (exit 78, naming the setting, not the key)', async () => {
    let out = '';
    const env = { CUSTOS_KAFKA_BROKERS: '127.0.0.1:9092', CUSTOS_CLICKHOUSE_URL: 'http://127.0.0.1:8123', CUSTOS_PSEUDONYM_KEY: NEW, CUSTOS_PSEUDONYM_KEY_ID: 'k2', CUSTOS_PSEUDONYM_OLD_KEYS: `k2:${OLD}` };
    expect(await checkCommand({}, { env, out: (t) => (out += t) })).toBe(78);
    expect(out).toContain('error: settings: CUSTOS_PSEUDONYM_OLD_KEYS: key id k2 is given twice');
    expect(out).not.toContain(OLD);
  });
});
