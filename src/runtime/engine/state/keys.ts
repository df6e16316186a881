/**
 * Numeric keys for record refs and event ids, small enough to be V8 "small
 * integers" (30 bits): Set/Map operations on them allocate nothing, where
 * strings would be rehashed and 52-bit doubles boxed on every event.
 *
 * Record refs are already uniform (hex of an HMAC), so a ref's key IS its
 * leading 30 bits: no rehash. Two refs share a key with probability about
 * n²/2^31 per actor; at the 10,000-ref cap of an exact set that is ~5 % of
 * one customer counted once instead of twice: negligible against the counts
 * alerts are about. Anything that is not hex (a producer bug) is hashed
 * instead, so it is still counted.
 */

export const KEY_BITS = 30;
const KEY_MASK = 0x3fffffff;

export function refKey(ref: string): number {
  if (ref.length < 8) return hashKey(ref);
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const c = ref.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return hashKey(ref);
    v = (v << 4) | d;
  }
  return (v >>> 2) & KEY_MASK;
}

/** FNV-1a, 30 bits. */
export function hashKey(s: string): number {
  return (hashKey32(s) >>> 2) & KEY_MASK;
}

/** FNV-1a, all 32 bits (an int32, possibly negative): for stores that need no sign bit free. */
export function hashKey32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** A second, independent 30-bit hash (murmur-style mixing), to confirm a hashKey match. */
export function checkKey(s: string): number {
  let h = 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 13;
  }
  return (h >>> 2) & KEY_MASK;
}

/**
 * A 30-bit key with every bit mixed (FNV-1a, then murmur3's finaliser), for
 * sketches that read the top bits: FNV-1a alone leaves the high bits of short,
 * similar ids (`x-5`, `x-6`, ...) correlated.
 */
export function mixedKey(s: string): number {
  let h = hashKey(s);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 2) & KEY_MASK;
}
