/**
 * `custos produce`: an NDJSON file of contract-v1 events onto a Kafka topic,
 * keyed by actor_id (one actor's events stay ordered on one partition, as the
 * monitor needs). Every line is first judged by the monitor's own message
 * checks (decode's `checkMessage`: size, UTF-8, JSON, contract v1, timestamp
 * range and future skew), so what is sent is what the monitor accepts; the
 * line's bytes are sent unchanged. A bad line is reported by number and
 * reason, never by content (it may hold customer ids), and skipped, or, when
 * `strict`, nothing is sent at all.
 */
import type { Message } from 'kafkajs';
import type { RejectReason } from '../../model/rejection.js';
import { checkMessage, type MessageCheckOptions } from '../../runtime/decode/decoder.js';
import { readNdjsonLines } from '../replay/index.js';

/** The part of a kafkajs producer this uses. */
export interface BatchSender {
  send(batch: { readonly topic: string; readonly messages: Message[] }): Promise<unknown>;
}

export interface BadLine {
  readonly line: number;
  readonly reason: RejectReason;
  /** Names the field and the rule, never a value (decode's details are written so). */
  readonly detail: string;
}

export interface ProduceFileOptions {
  readonly file: string;
  readonly topic: string;
  readonly checks: MessageCheckOptions;
  /** Any bad line: report them all and send nothing. */
  readonly strict: boolean;
  /** Messages per send (default 500). */
  readonly batchSize?: number;
  /** Told of each bad line, in file order. */
  readonly onBadLine?: (bad: BadLine) => void;
  /** After each acknowledged send. */
  readonly onProgress?: (p: ProduceProgress) => void;
}

export interface ProduceProgress {
  readonly sent: number;
  readonly bad: number;
  /** The last line read. */
  readonly line: number;
}

export interface ProduceFileResult {
  /** Non-blank lines (blank ones separate nothing and are skipped, as the backtest skips them). */
  readonly lines: number;
  readonly sent: number;
  readonly sends: number;
  readonly bad: number;
  readonly badByReason: ReadonlyMap<RejectReason, number>;
  /** True when strict mode found bad lines and nothing was sent. */
  readonly refused: boolean;
}

/**
 * Bytes per send: Kafka refuses a record batch over the broker's
 * message.max.bytes (1 MiB by default), and one send becomes one batch per
 * partition; staying under it keeps every batch acceptable.
 */
const MAX_SEND_BYTES = 900 * 1024;

interface Scan {
  lines: number;
  bad: number;
  readonly badByReason: Map<RejectReason, number>;
}

/** Reads the file once, checking every line; `onGood` gets each good line's message. */
async function scan(o: ProduceFileOptions, onGood: ((m: Message, line: number) => Promise<void>) | null): Promise<Scan> {
  const s: Scan = { lines: 0, bad: 0, badByReason: new Map() };
  // The lines as bytes, read as the backtest reads a file: decode sees exactly what will be sent.
  for await (const { line: number, value: bytes } of readNdjsonLines(o.file)) {
    s.lines++;
    const checked = checkMessage(bytes, o.checks);
    if (!checked.ok) {
      s.bad++;
      s.badByReason.set(checked.rejection.reason, (s.badByReason.get(checked.rejection.reason) ?? 0) + 1);
      o.onBadLine?.({ line: number, reason: checked.rejection.reason, detail: checked.rejection.detail });
      continue;
    }
    if (onGood !== null) await onGood({ key: checked.event.actor_id, value: bytes }, number);
  }
  return s;
}

export async function produceFile(o: ProduceFileOptions, sender: BatchSender): Promise<ProduceFileResult> {
  const batchSize = o.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  if (o.strict) {
    // Checked in full first: with --strict a bad file sends nothing, rather than its first part.
    const first = await scan({ ...o, onBadLine: o.onBadLine }, null);
    if (first.bad > 0) return { lines: first.lines, sent: 0, sends: 0, bad: first.bad, badByReason: first.badByReason, refused: true };
  }
  let batch: Message[] = [];
  let batchBytes = 0;
  let sent = 0;
  let sends = 0;
  let bad = 0;
  let lastLine = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await sender.send({ topic: o.topic, messages: batch });
    sent += batch.length;
    sends++;
    batch = [];
    batchBytes = 0;
    o.onProgress?.({ sent, bad, line: lastLine });
  };
  // In strict mode the lines were reported by the first pass (and all were good).
  const reporting: ProduceFileOptions = {
    ...o,
    onBadLine: (b) => {
      bad++;
      if (!o.strict) o.onBadLine?.(b);
    },
  };
  const s = await scan(reporting, async (m, line) => {
    const size = (m.value as Buffer).length + Buffer.byteLength(m.key as string);
    if (batch.length > 0 && (batch.length >= batchSize || batchBytes + size > MAX_SEND_BYTES)) await flush();
    batch.push(m);
    batchBytes += size;
    lastLine = line;
  });
  await flush();
  return { lines: s.lines, sent, sends, bad: s.bad, badByReason: s.badByReason, refused: false };
}
