/**
 * The few pieces of the WebAssembly binary format the HMAC module needs:
 * LEB128 numbers, a function body as a byte list with its instructions, and
 * a module of one memory and functions that all share one signature.
 *
 * Why a writer in TypeScript and not a .wat file assembled by a tool: the
 * module is emitted when first used, from this code alone, so `npm ci && npm
 * run build` (plain tsc) is all a fresh clone needs, no assembler package and
 * no binary file copied beside the JavaScript; and the generator unrolls the
 * 64 SHA-256 rounds with the working variables renamed per round, which a
 * hand-written .wat would spell out 64 times.
 */

/** Value types. */
export const I32 = 0x7f;
export const V128 = 0x7b;

/** Single-byte opcodes used (WebAssembly core spec, 5.4). */
export const OP = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br_if: 0x0d,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  i32_load: 0x28,
  i32_store: 0x36,
  i32_const: 0x41,
  i32_eqz: 0x45,
  i32_lt_u: 0x49,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_mul: 0x6c,
  i32_and: 0x71,
  i32_or: 0x72,
  i32_xor: 0x73,
  i32_shl: 0x74,
  i32_shr_u: 0x76,
  i32_rotr: 0x78,
} as const;

/** SIMD opcodes (after the 0xfd prefix, as LEB128). */
export const SIMD = {
  v128_load: 0x00,
  v128_store: 0x0b,
  v128_const: 0x0c,
  v128_and: 0x4e,
  v128_or: 0x50,
  v128_xor: 0x51,
  v128_bitselect: 0x52,
  i32x4_shl: 0xab,
  i32x4_shr_u: 0xad,
  i32x4_add: 0xae,
} as const;

export function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

export function signedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A function body under construction. */
export class Body {
  readonly bytes: number[] = [];

  op(code: number): this {
    this.bytes.push(code);
    return this;
  }

  simd(code: number): this {
    this.bytes.push(0xfd, ...unsignedLeb(code));
    return this;
  }

  get(local: number): this {
    this.bytes.push(OP.local_get, ...unsignedLeb(local));
    return this;
  }

  set(local: number): this {
    this.bytes.push(OP.local_set, ...unsignedLeb(local));
    return this;
  }

  tee(local: number): this {
    this.bytes.push(OP.local_tee, ...unsignedLeb(local));
    return this;
  }

  i32(value: number): this {
    this.bytes.push(OP.i32_const, ...signedLeb(value));
    return this;
  }

  /** Four lanes of one 32-bit value. */
  v128Splat(value: number): this {
    this.simd(SIMD.v128_const);
    for (let lane = 0; lane < 4; lane++) for (let b = 0; b < 4; b++) this.bytes.push((value >>> (8 * b)) & 0xff);
    return this;
  }

  /** A load or store with its alignment (log2 bytes) and constant offset. */
  memory(code: number, alignLog2: number, offset: number, simd = false): this {
    if (simd) this.simd(code);
    else this.op(code);
    this.bytes.push(...unsignedLeb(alignLog2), ...unsignedLeb(offset));
    return this;
  }

  /** `block` or `loop` with no result. */
  open(code: typeof OP.block | typeof OP.loop): this {
    this.bytes.push(code, 0x40);
    return this;
  }

  brIf(depth: number): this {
    this.bytes.push(OP.br_if, ...unsignedLeb(depth));
    return this;
  }
}

export interface FunctionSpec {
  readonly name: string;
  /** Declared locals after the parameters, as runs of one type. */
  readonly locals: readonly { readonly count: number; readonly type: number }[];
  readonly body: Body;
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...unsignedLeb(bytes.length), ...bytes];
}

/**
 * A module with one exported memory of `pages` 64 KiB pages (fixed: it never
 * grows) and the given functions, each `(params: i32 ×n) → ()`, exported by name.
 */
export function moduleBytes(pages: number, paramCount: number, functions: readonly FunctionSpec[]): Uint8Array {
  const type = [0x60, ...unsignedLeb(paramCount), ...new Array<number>(paramCount).fill(I32), 0];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([type])),
    ...section(3, vector(functions.map(() => [0]))),
    ...section(5, vector([[0x01, ...unsignedLeb(pages), ...unsignedLeb(pages)]])),
    ...section(7, vector([[...name('memory'), 0x02, 0], ...functions.map((f, i) => [...name(f.name), 0x00, ...unsignedLeb(i)])])),
    ...section(
      10,
      vector(
        functions.map((f) => {
          const code = [...vector(f.locals.map((l) => [...unsignedLeb(l.count), l.type])), ...f.body.bytes, OP.end];
          return [...unsignedLeb(code.length), ...code];
        }),
      ),
    ),
  ];
  return Uint8Array.from(bytes);
}
