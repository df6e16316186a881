/**
 * Lines of an NDJSON file as raw bytes, so the decoder judges them exactly as
 * it judges Kafka message values (invalid UTF-8, size limit), and the file is
 * read in bounded chunks whatever its size.
 */
import { createReadStream } from 'node:fs';

export interface NdjsonLine {
  /** 1-based line number. */
  readonly line: number;
  /** The line's bytes without the line break (`\n` or `\r\n`). */
  readonly value: Buffer;
  /** Bytes of the file consumed up to and including this line (for progress). */
  readonly offset: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/** Every non-blank line; blank lines (only spaces or tabs) separate nothing and are skipped. */
export async function* readNdjsonLines(file: string): AsyncGenerator<NdjsonLine> {
  let carry: Buffer = Buffer.alloc(0);
  let line = 0;
  let offset = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    const buf: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(NEWLINE, start); nl !== -1; nl = buf.indexOf(NEWLINE, start)) {
      line++;
      offset += nl + 1 - start;
      const value = stripCr(buf.subarray(start, nl));
      start = nl + 1;
      if (!isBlank(value)) yield { line, value, offset };
    }
    carry = buf.subarray(start);
  }
  if (carry.length > 0) {
    line++;
    offset += carry.length;
    const value = stripCr(carry);
    if (!isBlank(value)) yield { line, value, offset };
  }
}

function stripCr(b: Buffer): Buffer {
  return b.length > 0 && b[b.length - 1] === CR ? b.subarray(0, b.length - 1) : b;
}

function isBlank(b: Buffer): boolean {
  for (const c of b) if (c !== 0x20 && c !== 0x09) return false;
  return true;
}
