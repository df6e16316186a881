/**
 * The lines of a file as bytes, with their 1-based numbers, streamed (a file
 * of any size holds one chunk in memory). Bytes rather than strings: the
 * monitor's checks see exactly the bytes that will be sent, so a line that is
 * not UTF-8 is caught here as it would be in decode (a text reader would
 * silently replace the bad bytes).
 */
import { createReadStream } from 'node:fs';

export interface FileLine {
  readonly number: number;
  /** Without the line ending (`\n`, or `\r\n`). */
  readonly bytes: Buffer;
}

const LF = 0x0a;
const CR = 0x0d;

export async function* fileLines(file: string): AsyncGenerator<FileLine> {
  let carry: Buffer = Buffer.alloc(0);
  let number = 0;
  const line = (bytes: Buffer): FileLine => {
    number++;
    return { number, bytes: bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, bytes.length - 1) : bytes };
  };
  for await (const chunk of createReadStream(file)) {
    let data = carry.length === 0 ? (chunk as Buffer) : Buffer.concat([carry, chunk as Buffer]);
    let at = data.indexOf(LF);
    while (at !== -1) {
      yield line(data.subarray(0, at));
      data = data.subarray(at + 1);
      at = data.indexOf(LF);
    }
    // Copied: the stream's chunk is not ours to keep.
    carry = Buffer.from(data);
  }
  if (carry.length > 0) yield line(carry);
}
