/**
 * A growing byte buffer that rows are written straight into: JSONEachRow
 * lines as UTF-8 text, RowBinary values as bytes. One allocation per doubling
 * instead of a string built with `+=` and copied by Buffer.from at the end
 * (measured 3.74 → 2.79 µs/event for access_events, issue 13).
 */
export class RowBuffer {
  private buf: Buffer;
  private used = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.used;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.used + bytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.used);
    this.buf = next;
  }

  /** UTF-8 text, as is (a JSONEachRow line). */
  text(value: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    this.reserve(value.length * 3);
    this.used += this.buf.write(value, this.used, 'utf8');
  }

  uint8(value: number): void {
    this.reserve(1);
    this.buf[this.used++] = value;
  }

  uint16(value: number): void {
    this.reserve(2);
    this.buf.writeUInt16LE(value, this.used);
    this.used += 2;
  }

  uint32(value: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(value, this.used);
    this.used += 4;
  }

  /** A safe integer, or a decimal string beyond 2^53 (Kafka offsets). */
  uint64(value: number | string): void {
    this.reserve(8);
    if (typeof value === 'number') {
      this.buf.writeUInt32LE(value % 0x1_0000_0000, this.used);
      this.buf.writeUInt32LE(Math.floor(value / 0x1_0000_0000), this.used + 4);
    } else {
      this.buf.writeBigUInt64LE(BigInt(value), this.used);
    }
    this.used += 8;
  }

  float64(value: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(value, this.used);
    this.used += 8;
  }

  /** LEB128, as RowBinary prefixes strings and arrays. */
  varUint(value: number): void {
    this.reserve(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.used++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.used++] = v;
  }

  /** RowBinary String: byte length, then the UTF-8 bytes. */
  string(value: string): void {
    const max = value.length * 3;
    this.reserve(max + 10);
    // Short strings (the usual case): write after a one-byte length slot and fix it up.
    if (max < 0x80) {
      const start = this.used;
      const n = this.buf.write(value, start + 1, 'utf8');
      this.buf[start] = n;
      this.used = start + 1 + n;
      return;
    }
    const n = Buffer.byteLength(value, 'utf8');
    this.varUint(n);
    this.used += this.buf.write(value, this.used, 'utf8');
  }

  /** The bytes written so far (a view, not a copy; the buffer is not reused). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.used);
  }
}
