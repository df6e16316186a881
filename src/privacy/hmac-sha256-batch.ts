/**
 * HMAC-SHA256 of many short messages under one key, one WebAssembly call per
 * batch, as lowercase hex (a prefix of it, plus a suffix).
 *
 * Why: decode pseudonymises every record id of every event, and even the
 * plain-JS HMAC (hmac-sha256.ts, ~1 µs per id) was one of the larger items of
 * custos' per-event CPU. Here the ids of a whole batch are written into the
 * module's memory, already padded, and one call hashes them all: four at once
 * in SIMD lanes where the engine supports v128 (Node ≥ 16.4), else one at a
 * time in scalar WebAssembly; only the id's bytes and the hex string are
 * made in JavaScript. The key's midstates are computed once, in JS.
 *
 * Which ids go through WebAssembly: those of at most MAX_WASM_ID_BYTES UTF-8
 * bytes (two SHA-256 blocks after the inner key block; customer ids are far
 * shorter). Longer ids, and every id where WebAssembly is not available (or
 * the caller asks for 'js'), take the plain-JS HMAC, which gives the same
 * bytes. Strings are UTF-8 encoded as Buffer does (lone surrogates as U+FFFD),
 * as createHmac does.
 */
import { HEX_DIGITS, checkHexChars, createHmacSha256Hex, hmacMidstates } from './hmac-sha256.js';
import { GROUP_BLOCK_BYTES, GROUP_DIGEST_BYTES, MIDSTATES_OFFSET, OUTER_MIDSTATE_OFFSET, hmacModuleBytes } from './wasm/hmac-module.js';

/** The two hex digits of every byte value: byte b's at 2b and 2b + 1. */
const HEX_PAIRS = Uint8Array.from({ length: 512 }, (_, i) => HEX_DIGITS[i & 1 ? (i >>> 1) & 15 : i >>> 5]!);

/** Which implementation hashes: 'auto' picks SIMD, then scalar WebAssembly, then JS. */
export type HmacEngine = 'simd' | 'scalar' | 'js';

/** Longest id (UTF-8 bytes) hashed in WebAssembly: 119 + 0x80 + 8 length bytes = 2 blocks. */
export const MAX_WASM_ID_BYTES = 119;
/** Ids of at most this many bytes fit one block with their padding. */
const ONE_BLOCK_BYTES = 55;
/** Slots per region: ids hashed per call at most (each region is hashed when full, and at the end). */
const SLOTS = 1024;
/** Region of one-block messages, of two-block messages, then the digests (bytes). */
const ONE_BLOCK_BASE = 256;
const TWO_BLOCK_BASE = ONE_BLOCK_BASE + (SLOTS / 4) * GROUP_BLOCK_BYTES;
const DIGEST_BASE = TWO_BLOCK_BASE + (SLOTS / 4) * 2 * GROUP_BLOCK_BYTES;
const PAGES = Math.ceil((DIGEST_BASE + (SLOTS / 4) * GROUP_DIGEST_BYTES) / 65536);

interface WasmHasher {
  readonly words: Int32Array;
  readonly hmac: (base: number, count: number, blocks: number, out: number) => void;
  readonly simd: boolean;
}

/**
 * The part of the WebAssembly JS API used here. Declared, not taken from a lib: the project's
 * TypeScript libs (ES2022, @types/node 20) do not declare it, and it may be absent at run time.
 */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** One instance per form for the process: every key shares it (its midstates are written before each call). */
const instances = new Map<'simd' | 'scalar', WasmHasher | null>();

function wasmHasher(form: 'simd' | 'scalar'): WasmHasher | null {
  if (instances.has(form)) return instances.get(form)!;
  let hasher: WasmHasher | null = null;
  try {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (api !== undefined) {
      const bytes = hmacModuleBytes(form === 'simd', PAGES);
      // validate() first: an engine without SIMD says no here rather than throwing.
      if (api.validate(bytes)) {
        const instance = new api.Instance(new api.Module(bytes), {});
        // The memory never grows (fixed size in the module), so this view stays valid.
        const memory = instance.exports.memory as { buffer: ArrayBuffer };
        hasher = { words: new Int32Array(memory.buffer), hmac: instance.exports.hmac as WasmHasher['hmac'], simd: form === 'simd' };
      }
    }
  } catch {
    hasher = null;
  }
  instances.set(form, hasher);
  return hasher;
}

/** The engine 'auto' resolves to here. */
export function availableHmacEngine(): HmacEngine {
  if (wasmHasher('simd') !== null) return 'simd';
  if (wasmHasher('scalar') !== null) return 'scalar';
  return 'js';
}

/** Writes `out[i]` for every `ids[i]`. */
export type HmacSha256HexBatch = (ids: readonly string[], out: string[]) => void;

export interface HmacSha256HexBatchOptions {
  /** Default 'auto'. A form that is not available falls back to the next (simd → scalar → js). */
  readonly engine?: HmacEngine | 'auto';
}

/** A region of padded messages of `blocks` blocks, waiting for one call. */
interface Region {
  readonly blocks: number;
  /** int32 index of the region's first word. */
  readonly base32: number;
  readonly groupWords: number;
  count: number;
  /** For each slot, the position in `out` its digest goes to. */
  readonly target: Int32Array;
}

/**
 * A batch HMAC-SHA256 under `key`: lowercase hex of the first `hexChars`
 * characters (≤ 64), followed by `suffix`. Also returns the engine it uses.
 */
export function createHmacSha256HexBatch(key: Buffer, hexChars = 64, suffix = '', options: HmacSha256HexBatchOptions = {}): { hash: HmacSha256HexBatch; engine: HmacEngine } {
  checkHexChars(hexChars);
  const one = createHmacSha256Hex(key, hexChars, suffix);
  const wanted = options.engine ?? 'auto';
  const wasm = wanted === 'js' ? null : wanted === 'scalar' ? wasmHasher('scalar') : (wasmHasher('simd') ?? wasmHasher('scalar'));
  if (wasm === null) {
    return {
      engine: 'js',
      hash: (ids, out) => {
        for (let i = 0; i < ids.length; i++) out[i] = one(ids[i]!);
      },
    };
  }
  const { inner, outer } = hmacMidstates(key);
  const words = wasm.words;
  const region = (blocks: number, base: number): Region => ({ blocks, base32: base >>> 2, groupWords: (blocks * GROUP_BLOCK_BYTES) >>> 2, count: 0, target: new Int32Array(SLOTS) });
  const oneBlock = region(1, ONE_BLOCK_BASE);
  const twoBlocks = region(2, TWO_BLOCK_BASE);
  // Each pseudonym's text, the hex digits and then the suffix, as bytes: one latin1 decode per id makes
  // one flat string (the suffix included, no concatenation); two digits per table read. Digits
  // written one at a time into an array for String.fromCharCode cost 20-60 ns more per id of the
  // 290-370 the batch takes (32 hex digits, with and without a key id; issue 13). A suffix beyond
  // ASCII (custos's key ids are not: privacy/pseudonym.ts) is held as UTF-8 and decoded as such.
  const suffixBytes = Buffer.from(suffix, 'utf8');
  const text = Buffer.alloc(hexChars + suffixBytes.length);
  suffixBytes.copy(text, hexChars);
  const asciiSuffix = suffixBytes.length === suffix.length;
  const scratch = Buffer.alloc(MAX_WASM_ID_BYTES * 3);

  /** Index of the first word of slot s (its word i is at + 4·i). */
  const slotWord = (r: Region, s: number): number => r.base32 + (s >>> 2) * r.groupWords + (s & 3);

  /** The padding after `length` bytes whose last partial word `w` holds `length & 3` bytes, from word index p on. */
  const finish = (r: Region, s: number, p: number, w: number, length: number): void => {
    const used = (length & 3) + 1;
    words[p] = ((w << 8) | 0x80) << (8 * (4 - used));
    const last = slotWord(r, s) + (r.blocks * 16 - 1) * 4;
    for (p += 4; p < last; p += 4) words[p] = 0;
    words[last] = (64 + length) * 8;
  };

  /** Packs an id of UTF-16 units all below 0x80 (its length is its byte length); false at the first other unit. */
  const packAscii = (r: Region, id: string): boolean => {
    const s = r.count;
    let p = slotWord(r, s);
    let w = 0;
    const n = id.length;
    for (let j = 0; j < n; j++) {
      const c = id.charCodeAt(j);
      if (c >= 0x80) return false;
      w = (w << 8) | c;
      if ((j & 3) === 3) {
        words[p] = w;
        p += 4;
        w = 0;
      }
    }
    finish(r, s, p, w, n);
    return true;
  };

  const packBytes = (r: Region, bytes: Uint8Array, length: number): void => {
    const s = r.count;
    let p = slotWord(r, s);
    let w = 0;
    for (let j = 0; j < length; j++) {
      w = (w << 8) | bytes[j]!;
      if ((j & 3) === 3) {
        words[p] = w;
        p += 4;
        w = 0;
      }
    }
    finish(r, s, p, w, length);
  };

  const flush = (r: Region, out: string[]): void => {
    const count = r.count;
    if (count === 0) return;
    // Another key's batch may have used the instance since: its midstates go in each time.
    for (let j = 0; j < 8; j++) {
      const i = (MIDSTATES_OFFSET >>> 2) + j * 4;
      const o = (OUTER_MIDSTATE_OFFSET >>> 2) + j * 4;
      words[i] = words[i + 1] = words[i + 2] = words[i + 3] = inner[j]!;
      words[o] = words[o + 1] = words[o + 2] = words[o + 3] = outer[j]!;
    }
    wasm.hmac(r.base32 << 2, wasm.simd ? (count + 3) >>> 2 : count, r.blocks, DIGEST_BASE);
    const digest32 = DIGEST_BASE >>> 2;
    for (let s = 0; s < count; s++) {
      const first = digest32 + (s >>> 2) * (GROUP_DIGEST_BYTES >>> 2) + (s & 3);
      for (let k = 0, j = first; k < hexChars; j += 4) {
        const w = words[j]!;
        for (let shift = 24; shift >= 0 && k < hexChars; shift -= 8) {
          const pair = ((w >>> shift) & 255) << 1;
          // hexChars is even (checkHexChars): whole bytes.
          text[k++] = HEX_PAIRS[pair]!;
          text[k++] = HEX_PAIRS[pair + 1]!;
        }
      }
      out[r.target[s]!] = text.toString(asciiSuffix ? 'latin1' : 'utf8', 0, text.length);
    }
    r.count = 0;
  };

  const taken = (r: Region, at: number, out: string[]): void => {
    r.target[r.count++] = at;
    if (r.count === SLOTS) flush(r, out);
  };

  return {
    engine: wasm.simd ? 'simd' : 'scalar',
    hash: (ids, out) => {
      // Slots a call that threw left behind would be hashed into this call's out.
      oneBlock.count = twoBlocks.count = 0;
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        const n = id.length;
        // An ASCII id's length is its byte length: its region is known before packing.
        const ascii = n <= ONE_BLOCK_BYTES ? oneBlock : n <= MAX_WASM_ID_BYTES ? twoBlocks : null;
        if (ascii !== null && packAscii(ascii, id)) {
          taken(ascii, i, out);
          continue;
        }
        // Not ASCII, or longer than two blocks take in UTF-16 units already.
        if (n > MAX_WASM_ID_BYTES) {
          out[i] = one(id);
          continue;
        }
        const length = scratch.write(id, 0, 'utf8');
        if (length > MAX_WASM_ID_BYTES) {
          out[i] = one(id);
          continue;
        }
        const r = length <= ONE_BLOCK_BYTES ? oneBlock : twoBlocks;
        packBytes(r, scratch, length);
        taken(r, i, out);
      }
      flush(oneBlock, out);
      flush(twoBlocks, out);
    },
  };
}
