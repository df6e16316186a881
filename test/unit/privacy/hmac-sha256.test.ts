import { describe, expect, it } from 'vitest';
import { createHmacSha256Hex } from '../../../src/privacy/hmac-sha256.js';
import { createPseudonymizer, PSEUDONYM_HEX_LENGTH } from '../../../src/privacy/pseudonym.js';
import { seededRandom } from '../../support/seeded-random.js';
import { EDGE_IDS, KEYS, randomId, reference } from '../../support/hmac-cases.js';

describe('createHmacSha256Hex', () => {
  it('equals createHmac on edge-case ids under keys of 41, 64, 65 and 300 bytes', () => {
    for (const key of KEYS) {
      const hmac = createHmacSha256Hex(key);
      for (const id of EDGE_IDS) expect(hmac(id), JSON.stringify(id.slice(0, 20))).toBe(reference(key, id));
    }
  });

  it('equals createHmac on 5,000 random ids (ASCII, multi-byte, astral, lone surrogates)', () => {
    const next = seededRandom(13);
    const key = KEYS[0]!;
    const hmac = createHmacSha256Hex(key);
    for (let i = 0; i < 5000; i++) {
      const id = randomId(next);
      expect(hmac(id), `random id #${i}`).toBe(reference(key, id));
    }
  });

  it('truncates to the requested hex length', () => {
    const key = KEYS[0]!;
    expect(createHmacSha256Hex(key, 32)('cust-1')).toBe(reference(key, 'cust-1').slice(0, 32));
    expect(() => createHmacSha256Hex(key, 33)).toThrow(RangeError);
  });
});

describe('createPseudonymizer', () => {
  it('is HMAC-SHA256 under the key, hex, truncated to 32 characters', () => {
    const key = 'benchmark-pseudonym-key-not-a-secret-0000';
    const pseudonymize = createPseudonymizer(key);
    const next = seededRandom(7);
    for (const id of [...EDGE_IDS, ...Array.from({ length: 500 }, () => randomId(next))]) {
      expect(pseudonymize(id)).toBe(reference(Buffer.from(key, 'utf8'), id).slice(0, PSEUDONYM_HEX_LENGTH));
    }
  });
});
