/**
 * pino JSON logs. One root logger; each component takes a child with
 * `component` set. Normal operation is quiet: info for lifecycle (start, stop,
 * reload), warn/error for the unexpected; nothing per event.
 *
 * Privacy: no customer record ids or other customer data in any line; record
 * ids never reach the process past decode anyway. Redaction paths are a second
 * line of defence for secrets that might be passed in an object by mistake.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'pseudonym_key',
  '*.pseudonym_key',
  'pseudonym_old_keys',
  '*.pseudonym_old_keys',
  'record_ids',
  '*.record_ids',
  'authorization',
  '*.authorization',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: 'custos',
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
