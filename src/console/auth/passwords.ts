/**
 * Salted password hashes with scrypt (node:crypto), in one self-describing
 * text form: `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`, so the cost can
 * be raised later without invalidating stored hashes.
 */
import { CustosError } from '../../errors.js';
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, length: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCallback(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));

/** OWASP's minimum for scrypt (N = 2^17, r = 8, p = 1): about 100 ms and 128 MB per hash. */
export const DEFAULT_COST = { N: 2 ** 17, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

const memoryFor = (c: ScryptCost) => 128 * c.N * c.r * 2;

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  if (password.length === 0) throw new CustosError('CUSTOS_USAGE', 'a password cannot be empty');
  const salt = randomBytes(SALT_LENGTH);
  const key = await scrypt(password, salt, KEY_LENGTH, { ...cost, maxmem: memoryFor(cost) });
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export function isPasswordHash(text: string): boolean {
  return parseHash(text) !== null;
}

function parseHash(text: string): { cost: ScryptCost; salt: Buffer; key: Buffer } | null {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(text);
  if (m === null) return null;
  const cost = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // N a power of two, and bounded: a users file must not make a login allocate gigabytes.
  if (cost.N < 2 || (cost.N & (cost.N - 1)) !== 0 || cost.N > 2 ** 20 || cost.r < 1 || cost.r > 32 || cost.p < 1 || cost.p > 16) return null;
  const key = Buffer.from(m[5] as string, 'base64');
  if (key.length < 16) return null;
  return { cost, salt: Buffer.from(m[4] as string, 'base64'), key };
}

/** Constant-time comparison; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (parsed === null) return false;
  const key = await scrypt(password, parsed.salt, parsed.key.length, { ...parsed.cost, maxmem: memoryFor(parsed.cost) });
  return timingSafeEqual(key, parsed.key);
}
