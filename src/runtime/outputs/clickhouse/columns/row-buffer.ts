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
    const length = value.length;
    this.reserve(length * 3 + 10);
    const buf = this.buf;
    const start = this.used;
    // Short ASCII strings (ids, labels, pseudonyms: nearly every value) are copied code unit by
    // code unit after a one-byte length: Buffer#write crosses into C++ for each value, which cost
    // more than the copy itself (utf8Write and its JS wrapper were ~7 % of the live profile).
    if (length < 0x80) {
      let i = 0;
      for (; i < length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + 1 + i] = c;
      }
      if (i === length) {
        buf[start] = length;
        this.used = start + 1 + length;
        return;
      }
    }
    // Longer or not ASCII: the encoder's own byte count, then its UTF-8 (lone surrogates as U+FFFD).
    const n = Buffer.byteLength(value, 'utf8');
    this.varUint(n);
    this.used += buf.write(value, this.used, 'utf8');
  }

  /** The bytes written so far (a view, not a copy; the buffer is not reused). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.used);
  }
}
