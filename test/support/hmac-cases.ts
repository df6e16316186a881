/**
 * HMAC-SHA256 cases shared by the plain-JS and the batch (WebAssembly) tests:
 * createHmac as the reference, random ids of every kind of UTF-16 content,
 * edge-case ids around the SHA-256 block boundaries, and keys of the three
 * kinds HMAC treats differently (shorter than, exactly, longer than a block).
 */
import { createHmac } from 'node:crypto';

export const reference = (key: Buffer, message: string) => createHmac('sha256', key).update(message, 'utf8').digest('hex');

export function randomId(next: () => number): string {
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

export const EDGE_IDS = [
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
  'x'.repeat(119), // the longest id the WebAssembly batch takes (two blocks)
  'x'.repeat(120), // one byte more: the plain-JS path
  'x'.repeat(300),
  'é'.repeat(27) + 'x', // 55 bytes, not ASCII
  'é'.repeat(59) + 'x', // 119 bytes, not ASCII
  'é'.repeat(60), // 120 bytes in 60 UTF-16 units
  '€'.repeat(39) + '\udfff\ud800', // 117 + two lone surrogates as U+FFFD (3 bytes each) = 123 bytes
  'x'.repeat(54) + '\ud800', // 57 bytes: a lone surrogate crosses the one-block limit
  '\udc00abc\ud83d', // lone low and high surrogates around ASCII
  'é'.repeat(28), // 56 bytes in UTF-8, 28 UTF-16 units
  '€'.repeat(100), // 300 bytes
  '🙂'.repeat(2000), // longer than the initial buffer
];

export const KEYS = [
  Buffer.from('benchmark-pseudonym-key-not-a-secret-0000', 'utf8'),
  Buffer.alloc(64, 0xab), // exactly one block: used as is
  Buffer.alloc(65, 0xcd), // longer than a block: hashed first
  Buffer.from('k'.repeat(300), 'utf8'),
];
