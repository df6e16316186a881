/**
 * The WebAssembly module that computes HMAC-SHA256 over a batch of short
 * messages in one call (privacy/hmac-sha256-batch.ts writes the messages
 * and reads the digests). Two forms from one generator: scalar (one message
 * at a time) and SIMD (v128: four messages at once, one per 32-bit lane;
 * SHA-256 is all 32-bit adds, xors and rotations, so four lanes do four
 * messages' work in about the instructions of one).
 *
 * Memory layout (bytes), shared by both forms and by the JavaScript side:
 * - 0..256: the key's two midstates, inner at 0, outer at 128, word j at
 *   16·j, each word repeated in the four lanes (the scalar form reads lane 0).
 * - a message region: messages already padded by SHA-256's rule (as if after
 *   the 64-byte inner key block), each `blocks` 64-byte blocks long, stored
 *   in groups of four, word-interleaved: word i of message s is the 32-bit
 *   big-endian value at `base + (s >> 2)·blocks·256 + i·16 + (s & 3)·4`
 *   as a little-endian i32. So one v128.load is word i of four messages and
 *   no byte swapping is needed (the writer packs the bytes big-endian).
 * - a digest region, same interleaving: word j (0..7) of message s at
 *   `out + (s >> 2)·128 + j·16 + (s & 3)·4`.
 *
 * Export `hmac(base, count, blocks, out)`: count messages (scalar) or groups
 * of four (SIMD; a group's unused lanes hash whatever is there and are not read).
 */
import { Body, I32, OP, SIMD, V128, moduleBytes, type FunctionSpec } from './emit.js';
import { SHA256_K } from '../hmac-sha256.js';

export const MIDSTATES_OFFSET = 0;
export const OUTER_MIDSTATE_OFFSET = 128;
/** Bytes of a group of four messages per 64-byte block, and of a group's digests. */
export const GROUP_BLOCK_BYTES = 256;
export const GROUP_DIGEST_BYTES = 128;

// Locals: parameters, then the loop's i32s, then the hash values (i32 or v128).
const P_BASE = 0, P_COUNT = 1, P_BLOCKS = 2, P_OUT = 3;
const L_I = 4, L_IN = 5, L_OUT = 6, L_LEFT = 7;
const H = 8; // H..H+7: chaining value
const WORK = 16; // WORK..WORK+7: a..h
const W = 24; // W..W+15: the message schedule, a ring of 16
const T = 40; // T1 of a round
const VALUE_LOCALS = 33;

/** A schedule word: a local, or a constant the generator folds (the outer block's padding). */
type Word = { readonly local: number } | { readonly value: number };

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
const smallSigma0 = (x: number) => rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
const smallSigma1 = (x: number) => rotr(x, 17) ^ rotr(x, 19) ^ (x >>> 10);

/** The instructions that differ between the scalar and the SIMD form. */
class Ops {
  constructor(readonly b: Body, readonly simd: boolean) {}

  constant(value: number): void {
    if (this.simd) this.b.v128Splat(value);
    else this.b.i32(value);
  }

  add(): void {
    if (this.simd) this.b.simd(SIMD.i32x4_add);
    else this.b.op(OP.i32_add);
  }

  xor(): void {
    if (this.simd) this.b.simd(SIMD.v128_xor);
    else this.b.op(OP.i32_xor);
  }

  /** Pushes local x rotated right by n (SIMD has no rotate: two shifts and an or). */
  rotr(x: number, n: number): void {
    if (this.simd) {
      this.b.get(x).i32(n).simd(SIMD.i32x4_shr_u).get(x).i32(32 - n).simd(SIMD.i32x4_shl).simd(SIMD.v128_or);
    } else {
      this.b.get(x).i32(n).op(OP.i32_rotr);
    }
  }

  shr(x: number, n: number): void {
    this.b.get(x).i32(n);
    if (this.simd) this.b.simd(SIMD.i32x4_shr_u);
    else this.b.op(OP.i32_shr_u);
  }

  /** rotr(x,r0) ^ rotr(x,r1) ^ (r2 as a rotation, or a shift) */
  sigma(x: number, r0: number, r1: number, r2: number, lastIsShift: boolean): void {
    this.rotr(x, r0);
    this.rotr(x, r1);
    this.xor();
    if (lastIsShift) this.shr(x, r2);
    else this.rotr(x, r2);
    this.xor();
  }

  /** Ch(e,f,g) = (e & f) ^ (~e & g): one bitselect, or g ^ (e & (f ^ g)). */
  ch(e: number, f: number, g: number): void {
    if (this.simd) this.b.get(f).get(g).get(e).simd(SIMD.v128_bitselect);
    else this.b.get(g).get(e).get(f).get(g).op(OP.i32_xor).op(OP.i32_and).op(OP.i32_xor);
  }

  /** Maj(a,b,c): b where a and c differ, else a; or (a & b) | (c & (a | b)). */
  maj(a: number, b: number, c: number): void {
    if (this.simd) this.b.get(b).get(a).get(a).get(c).simd(SIMD.v128_xor).simd(SIMD.v128_bitselect);
    else this.b.get(a).get(b).op(OP.i32_and).get(c).get(a).get(b).op(OP.i32_or).op(OP.i32_and).op(OP.i32_or);
  }

  load(address: number, offset: number, into: number): void {
    this.b.get(address);
    if (this.simd) this.b.memory(SIMD.v128_load, 4, offset, true);
    else this.b.memory(OP.i32_load, 2, offset);
    this.b.set(into);
  }

  /** Stores the value on the stack at address + offset; address must have been pushed first. */
  store(offset: number): void {
    if (this.simd) this.b.memory(SIMD.v128_store, 4, offset, true);
    else this.b.memory(OP.i32_store, 2, offset);
  }
}

/**
 * The 64 rounds over the schedule `words` (16, updated in place as the ring
 * advances), on the working variables WORK..WORK+7, which hold a..h again at
 * the end (64 renamings are 8 full turns).
 */
function emitRounds(ops: Ops, words: Word[]): void {
  const b = ops.b;
  const v = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => WORK + i);
  const pushWord = (word: Word): void => {
    if ('local' in word) b.get(word.local);
    else ops.constant(word.value);
  };
  for (let i = 0; i < 64; i++) {
    let word: Word;
    if (i < 16) {
      word = words[i]!;
    } else {
      // W[i] = σ1(W[i-2]) + W[i-7] + σ0(W[i-15]) + W[i-16], constants folded.
      const w2 = words[(i - 2) % 16]!, w7 = words[(i - 7) % 16]!, w15 = words[(i - 15) % 16]!, w16 = words[i % 16]!;
      let folded = 0;
      let pushed = 0;
      const term = (w: Word, fn: (x: number) => number, emit: (local: number) => void): void => {
        if ('value' in w) {
          folded = (folded + fn(w.value)) | 0;
          return;
        }
        emit(w.local);
        if (pushed++ > 0) ops.add();
      };
      term(w2, smallSigma1, (x) => ops.sigma(x, 17, 19, 10, true));
      term(w7, (x) => x, (x) => b.get(x));
      term(w15, smallSigma0, (x) => ops.sigma(x, 7, 18, 3, true));
      term(w16, (x) => x, (x) => b.get(x));
      if (pushed === 0) {
        word = { value: folded };
      } else {
        if (folded !== 0) {
          ops.constant(folded);
          ops.add();
        }
        const slot = W + (i % 16);
        b.set(slot);
        word = { local: slot };
      }
      words[i % 16] = word;
    }
    const [a, bb, c, d, e, f, g, h] = v as [number, number, number, number, number, number, number, number];
    // T1 = h + Σ1(e) + Ch(e,f,g) + K[i] + W[i]
    b.get(h);
    ops.sigma(e, 6, 11, 25, false);
    ops.add();
    ops.ch(e, f, g);
    ops.add();
    if ('value' in word) {
      ops.constant((SHA256_K[i]! + word.value) | 0);
    } else {
      ops.constant(SHA256_K[i]!);
      ops.add();
      b.get(word.local);
    }
    ops.add();
    b.tee(T);
    // e' = d + T1 (into d's local), a' = T1 + Σ0(a) + Maj(a,b,c) (into h's local)
    b.get(d);
    ops.add();
    b.set(d);
    b.get(T);
    ops.sigma(a, 2, 13, 22, false);
    ops.add();
    ops.maj(a, bb, c);
    ops.add();
    b.set(h);
    v.unshift(v.pop()!);
  }
}

function hmacFunction(simd: boolean): FunctionSpec {
  const b = new Body();
  const ops = new Ops(b, simd);
  const loadMidstate = (offset: number, into: number): void => {
    for (let j = 0; j < 8; j++) {
      b.i32(0);
      if (simd) b.memory(SIMD.v128_load, 4, offset + 16 * j, true);
      else b.memory(OP.i32_load, 2, offset + 16 * j);
      b.set(into + j);
    }
  };
  // Nothing to do for count 0.
  b.open(OP.block).get(P_COUNT).op(OP.i32_eqz).brIf(0);
  b.i32(0).set(L_I);
  b.open(OP.loop);
  {
    // Where this message (or group) starts: scalar, group i>>2 and lane i&3; SIMD, group i.
    if (simd) {
      b.get(P_BASE).get(L_I).get(P_BLOCKS).i32(8).op(OP.i32_shl).op(OP.i32_mul).op(OP.i32_add).set(L_IN);
      b.get(P_OUT).get(L_I).i32(7).op(OP.i32_shl).op(OP.i32_add).set(L_OUT);
    } else {
      const lane = (): void => void b.get(L_I).i32(3).op(OP.i32_and).i32(2).op(OP.i32_shl);
      b.get(P_BASE).get(L_I).i32(2).op(OP.i32_shr_u).get(P_BLOCKS).i32(8).op(OP.i32_shl).op(OP.i32_mul).op(OP.i32_add);
      lane();
      b.op(OP.i32_add).set(L_IN);
      b.get(P_OUT).get(L_I).i32(2).op(OP.i32_shr_u).i32(7).op(OP.i32_shl).op(OP.i32_add);
      lane();
      b.op(OP.i32_add).set(L_OUT);
    }
    loadMidstate(MIDSTATES_OFFSET, H);
    b.get(P_BLOCKS).set(L_LEFT);
    b.open(OP.loop);
    {
      for (let i = 0; i < 16; i++) ops.load(L_IN, i * 16, W + i);
      for (let j = 0; j < 8; j++) b.get(H + j).set(WORK + j);
      emitRounds(ops, Array.from({ length: 16 }, (_, i) => ({ local: W + i })));
      for (let j = 0; j < 8; j++) {
        b.get(H + j).get(WORK + j);
        ops.add();
        b.set(H + j);
      }
      b.get(L_IN).i32(GROUP_BLOCK_BYTES).op(OP.i32_add).set(L_IN);
      b.get(L_LEFT).i32(1).op(OP.i32_sub).tee(L_LEFT).brIf(0);
    }
    b.op(OP.end);
    // Outer hash: the inner digest, then 0x80, zeros and the length 64 + 32 bytes in bits.
    loadMidstate(OUTER_MIDSTATE_OFFSET, WORK);
    // The schedule overwrites the ring's locals W..W+15, so the digest goes there first.
    for (let j = 0; j < 8; j++) b.get(H + j).set(W + j);
    emitRounds(ops, [
      ...Array.from({ length: 8 }, (_, j) => ({ local: W + j })),
      { value: 0x80000000 | 0 },
      ...Array.from({ length: 6 }, () => ({ value: 0 })),
      { value: (64 + 32) * 8 },
    ]);
    for (let j = 0; j < 8; j++) {
      b.get(L_OUT);
      b.i32(0);
      if (simd) b.memory(SIMD.v128_load, 4, OUTER_MIDSTATE_OFFSET + 16 * j, true);
      else b.memory(OP.i32_load, 2, OUTER_MIDSTATE_OFFSET + 16 * j);
      b.get(WORK + j);
      ops.add();
      ops.store(16 * j);
    }
    b.get(L_I).i32(1).op(OP.i32_add).tee(L_I).get(P_COUNT).op(OP.i32_lt_u).brIf(0);
  }
  b.op(OP.end);
  b.op(OP.end);
  return {
    name: 'hmac',
    locals: [
      { count: 4, type: I32 },
      { count: VALUE_LOCALS, type: simd ? V128 : I32 },
    ],
    body: b,
  };
}

/** The module's bytes: `simd` for the four-lane form. */
export function hmacModuleBytes(simd: boolean, pages: number): Uint8Array {
  return moduleBytes(pages, 4, [hmacFunction(simd)]);
}
