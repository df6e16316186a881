/**
 * The batch HMAC (one WebAssembly call per batch, SIMD or scalar, and the
 * plain-JS fallback) gives createHmac's digest for every id, whatever the
 * batch size, the mix of short, long and non-ASCII ids, and the key.
 */
import { describe, expect, it, vi } from 'vitest';
import { MAX_WASM_ID_BYTES, availableHmacEngine, createHmacSha256HexBatch, type HmacEngine } from '../../../src/privacy/hmac-sha256-batch.js';
import { createBatchPseudonymizer, PSEUDONYM_HEX_LENGTH } from '../../../src/privacy/pseudonym.js';
import { activeKeys, createKeyring, pseudonymsUnderEveryKey } from '../../../src/privacy/keyring.js';
import { seededRandom } from '../../support/seeded-random.js';
import { EDGE_IDS, KEYS, randomId, reference } from '../../support/hmac-cases.js';

const ENGINES: readonly HmacEngine[] = ['simd', 'scalar', 'js'];

function hashAll(key: Buffer, engine: HmacEngine, ids: readonly string[], hexChars = 64, suffix = ''): string[] {
  const batch = createHmacSha256HexBatch(key, hexChars, suffix, { engine });
  // The engine asked for is the one used: Node ≥ 20 has WebAssembly with SIMD.
  expect(batch.engine).toBe(engine);
  const out: string[] = [];
  batch.hash(ids, out);
  return out;
}

/** ids of exactly `bytes` UTF-8 bytes, ASCII and not. */
const ofBytes = (bytes: number): string[] => ['y'.repeat(bytes), ...(bytes >= 2 ? ['ß' + 'y'.repeat(bytes - 2)] : []), ...(bytes >= 4 ? ['y'.repeat(bytes - 4) + '🙂'] : [])];

describe('createHmacSha256HexBatch', () => {
  it('uses SIMD WebAssembly by default here', () => {
    expect(availableHmacEngine()).toBe('simd');
    expect(createHmacSha256HexBatch(KEYS[0]!).engine).toBe('simd');
  });

  for (const engine of ENGINES) {
    describe(engine, () => {
      it('equals createHmac on edge-case ids and ids of 0-130 bytes, under keys of 41, 64, 65 and 300 bytes', () => {
        const ids = [...EDGE_IDS];
        for (let n = 0; n <= 130; n++) ids.push(...ofBytes(n));
        for (const key of KEYS) {
          const out = hashAll(key, engine, ids);
          ids.forEach((id, i) => expect(out[i], `${Buffer.byteLength(id)} bytes: ${JSON.stringify(id.slice(0, 12))}`).toBe(reference(key, id)));
        }
      });

      it('equals createHmac in batches of 1, 3, 4, 5 and 5,000 random ids (more than one call per region)', () => {
        const next = seededRandom(29);
        const key = KEYS[0]!;
        for (const size of [1, 3, 4, 5, 5000]) {
          const ids = Array.from({ length: size }, () => (next() < 0.5 ? `cust-${Math.floor(next() * 1e9)}` : randomId(next)));
          const out = hashAll(key, engine, ids);
          expect(out).toHaveLength(size);
          ids.forEach((id, i) => expect(out[i], `batch of ${size}, id #${i}`).toBe(reference(key, id)));
        }
      });

      it('truncates to the hex length asked for and appends the suffix', () => {
        const ids = ['cust-1', 'x'.repeat(100), 'x'.repeat(MAX_WASM_ID_BYTES + 1), 'é'];
        const out = hashAll(KEYS[1]!, engine, ids, 32, '@k2');
        ids.forEach((id, i) => expect(out[i]).toBe(`${reference(KEYS[1]!, id).slice(0, 32)}@k2`));
        const short = hashAll(KEYS[1]!, engine, ids, 10);
        ids.forEach((id, i) => expect(short[i]).toBe(reference(KEYS[1]!, id).slice(0, 10)));
        // A suffix beyond ASCII.
        const unicode = hashAll(KEYS[1]!, engine, ids, 8, '@ü€🙂');
        ids.forEach((id, i) => expect(unicode[i]).toBe(`${reference(KEYS[1]!, id).slice(0, 8)}@ü€🙂`));
      });
    });
  }

  it('falls back to the plain-JS HMAC, with the same digests, where WebAssembly is missing', async () => {
    const global = globalThis as { WebAssembly?: unknown };
    const wasm = global.WebAssembly;
    vi.resetModules();
    Reflect.deleteProperty(globalThis, 'WebAssembly');
    try {
      // A fresh copy of the module: its instances are made (or not) at first use.
      const fresh = await import('../../../src/privacy/hmac-sha256-batch.js');
      expect(fresh.availableHmacEngine()).toBe('js');
      const batch = fresh.createHmacSha256HexBatch(KEYS[0]!, 64, '', { engine: 'simd' });
      expect(batch.engine).toBe('js');
      const out: string[] = [];
      batch.hash(EDGE_IDS, out);
      EDGE_IDS.forEach((id, i) => expect(out[i]).toBe(reference(KEYS[0]!, id)));
    } finally {
      global.WebAssembly = wasm;
      vi.resetModules();
    }
  });

  it('keeps each key apart when batches of different keys take turns on the one WebAssembly instance', () => {
    const next = seededRandom(5);
    const hashers = KEYS.map((key) => createHmacSha256HexBatch(key, 64));
    for (let round = 0; round < 3; round++) {
      hashers.forEach((h, k) => {
        const ids = Array.from({ length: 7 }, () => randomId(next).slice(0, 40));
        const out: string[] = [];
        h.hash(ids, out);
        ids.forEach((id, i) => expect(out[i], `key ${k}, round ${round}`).toBe(reference(KEYS[k]!, id)));
      });
    }
  });
});

describe('createBatchPseudonymizer', () => {
  it('gives every active key of a keyring (the old keys too) the pseudonyms of createHmac, as a look-up does', () => {
    const made = createKeyring('c'.repeat(40), 'k3', [`k2:${'b'.repeat(33)}`, `:${'a'.repeat(64)}`, `k1:${'Ünï'.repeat(20)}`]);
    if (!made.ok) throw new Error(made.problems.join('; '));
    const next = seededRandom(17);
    const ids = [...EDGE_IDS, ...Array.from({ length: 300 }, () => randomId(next))];
    for (const key of activeKeys(made.keyring)) {
      for (const engine of ENGINES) {
        const out: string[] = [];
        createBatchPseudonymizer(key.secret, key.id, engine)(ids, out);
        const suffix = key.id === '' ? '' : `@${key.id}`;
        ids.forEach((id, i) => expect(out[i], `key ${key.id || '(unnamed)'}, ${engine}`).toBe(reference(Buffer.from(key.secret, 'utf8'), id).slice(0, PSEUDONYM_HEX_LENGTH) + suffix));
      }
    }
    // And the single look-up agrees with the batch under every key.
    const lookup = pseudonymsUnderEveryKey(made.keyring, 'C-42');
    activeKeys(made.keyring).forEach((key, i) => {
      const out: string[] = [];
      createBatchPseudonymizer(key.secret, key.id)(['C-42'], out);
      expect(lookup[i]!.pseudonym).toBe(out[0]);
    });
  });
});
