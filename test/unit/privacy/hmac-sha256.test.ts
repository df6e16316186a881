import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createHmacSha256Hex } from '../../../src/privacy/hmac-sha256.js';
import { createPseudonymizer, PSEUDONYM_HEX_LENGTH } from '../../../src/privacy/pseudonym.js';
import { seededRandom } from '../../support/seeded-random.js';

const reference = (key: Buffer, message: string) => createHmac('sha256', key).update(message, 'utf8').digest('hex');

function randomId(next: () => number): string {
  const length = Math.floor(next() * 140);
  let id = '';
  for (let i = 0; i < length; i++) {
    const pick = next();
    // Mostly ASCII, some 2- and 3-byte characters, astral pairs and lone surrogates.
    if (pick < 0.7) id += String.fromCharCode(32 + Math.floor(next() * 95));
    else if (pick < 0.8) id += String.fromCharCode(0x80 + Math.floor(next() * 0x780));
    else if (pick < 0.9) id += String.fromCharCode(0x800 + Math.floor(next() * 0xd000));
    else if (pick < 0.97) id += String.fromCodePoint(0x10000 + Math.floor(next() * 0xfffff));
    else id += String.fromCharCode(0xd800 + Math.floor(next() * 0x800));
  }
  return id;
}

const EDGE_IDS = [
  '',
  'a',
  'cust-000042',
  'Ünïcødé-客户-🙂',
  '\ud800',
  'x'.repeat(55), // one block with its padding exactly
  'x'.repeat(56), // padding spills into a second block
  'x'.repeat(63),
  'x'.repeat(64),
  'x'.repeat(65),
  'x'.repeat(300),
  'é'.repeat(28), // 56 bytes in UTF-8, 28 UTF-16 units
  '€'.repeat(100), // 300 bytes
  '🙂'.repeat(2000), // longer than the initial buffer
];

const KEYS = [
  Buffer.from('benchmark-pseudonym-key-not-a-secret-0000', 'utf8'),
  Buffer.alloc(64, 0xab), // exactly one block: used as is
  Buffer.alloc(65, 0xcd), // longer than a block: hashed first
  Buffer.from('k'.repeat(300), 'utf8'),
];

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
