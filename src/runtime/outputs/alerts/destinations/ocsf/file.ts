/**
 * Findings to a file, one JSON object per line (NDJSON), for a SIEM agent
 * that tails it (Filebeat, Fluent Bit, the Splunk forwarder). Lines that
 * arrive while a write is under way are appended together and fsynced once
 * (a batch); none of them counts as delivered before that fsync. The file is
 * created with mode 0600 (findings name actors) and opened per batch, so a
 * log rotation that moves it away is followed: the next batch starts a new
 * file under the configured name.
 *
 * A line cut short (a crash or a full disk mid-write) is never glued to the
 * next finding: before writing after a failure (and at start), the file's
 * last byte is checked and a newline added where it is missing, so the torn
 * fragment stands alone as one unparseable line.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import { CustosError } from '../../../../../errors.js';
import type { AttemptOutcome } from '../../retry-policy.js';
import { DELIVERED, retryOutcome, type FindingWriter } from './writer.js';

/** Owner read and write only; applied when the file is created (an existing file keeps its mode). */
export const FINDINGS_FILE_MODE = 0o600;

const errorCode = (err: unknown): string => {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? code : 'error';
};

async function endsWithoutNewline(handle: FileHandle): Promise<boolean> {
  const { size } = await handle.stat();
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] !== 0x0a;
}

interface PendingLine {
  readonly line: string;
  readonly done: (outcome: AttemptOutcome) => void;
}

export function fileWriter(path: string, logger: Logger): FindingWriter {
  const label = `file:${basename(path)}`;
  /** Whether the file may end in a torn line: checked before the next write. */
  let checkTail = true;
  let pending: PendingLine[] = [];
  let flushing: Promise<void> | null = null;

  async function append(lines: readonly string[]): Promise<AttemptOutcome> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, 'a+', FINDINGS_FILE_MODE);
      const prefix = checkTail && (await endsWithoutNewline(handle)) ? '\n' : '';
      checkTail = true; // until this write is known to be whole
      await handle.write(`${prefix}${lines.join('\n')}\n`);
      await handle.datasync();
      checkTail = false;
      return DELIVERED;
    } catch (err) {
      return retryOutcome(`file ${errorCode(err)}`);
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  /** One batch at a time (concurrent appends could interleave, and the tail check needs the file to itself). */
  async function flush(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      const outcome = await append(batch.map((p) => p.line));
      for (const p of batch) p.done(outcome);
    }
    flushing = null;
  }

  return {
    label,
    async start() {
      // A path custos cannot append to is a configuration error: say so at start, not at the first alert.
      let handle: FileHandle;
      try {
        handle = await open(path, 'a', FINDINGS_FILE_MODE);
      } catch (err) {
        throw new CustosError('CUSTOS_CONFIG', `alert destination ocsf (${label}): the file cannot be opened for appending (${errorCode(err)})`);
      }
      const { mode } = await handle.stat().finally(() => handle.close());
      if ((mode & 0o077) !== 0) logger.warn({ destination: label, mode: (mode & 0o777).toString(8) }, 'OCSF findings file is readable by others than its owner; custos creates it 0600');
    },
    write(message) {
      return new Promise<AttemptOutcome>((done) => {
        pending.push({ line: message.body, done });
        flushing ??= flush();
      });
    },
    stop: () => flushing ?? Promise.resolve(),
  };
}
