/**
 * Argument parsers shared by commands: commander calls them per option and
 * turns an InvalidArgumentError into a usage error naming the option.
 */
import { InvalidArgumentError } from 'commander';
import { parseIncidentsArg } from '../tools/sim/args.js';
import type { IncidentSpec } from '../tools/sim/types.js';

export function integerArg(min = Number.MIN_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(min === Number.MIN_SAFE_INTEGER ? 'must be an integer' : `must be an integer of at least ${min}`);
    }
    return n;
  };
}

/** `1,2,3` → [1, 2, 3]. */
export function integerListArg(value: string): number[] {
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isSafeInteger(n))) throw new InvalidArgumentError('must be a comma list of integers');
  return list;
}

/** `YYYY-MM-DD`: a UTC date. */
export function dateArg(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !Number.isFinite(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidArgumentError('must be a date YYYY-MM-DD');
  }
  return value;
}

/**
 * An instant: RFC 3339 with an offset (`2026-03-23T08:00:00Z`), a UTC date
 * (`2026-03-23`, midnight UTC) or epoch milliseconds. A local time without an
 * offset is refused: its meaning would depend on the machine's time zone.
 */
export function instantArg(value: string): number {
  const v = value.trim();
  let ms = Number.NaN;
  if (/^\d+$/.test(v)) ms = Number(v);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(v)) ms = Date.parse(`${v}T00:00:00Z`);
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i.test(v)) ms = Date.parse(v);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new InvalidArgumentError('must be an RFC 3339 time with offset (2026-03-23T08:00:00Z), a UTC date (2026-03-23) or epoch milliseconds');
  }
  return ms;
}

/** `--incidents`: `default`, `none`, a comma list of incident types, or `@specs.json`. */
export function incidentsArg(value: string): 'default' | 'allowed' | 'none' | IncidentSpec[] {
  try {
    return parseIncidentsArg(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/**
 * A customer id given as an argument, or `-` to read it from stdin (so it
 * stays out of the shell history and the process list). '' when none was given.
 */
export async function customerIdArg(arg: string): Promise<string> {
  if (arg !== '-') return arg;
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}
