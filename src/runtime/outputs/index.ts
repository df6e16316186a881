/**
 * Every output of the monitor, in one list. The pipeline writes each batch
 * (and each tick's output) to all of them through the same runner
 * (src/runtime/pipeline/output-writer.ts); offsets commit once every durable
 * one acknowledged. A new output is a file beside these (a function from the
 * services it needs to an Output) and one line here.
 */
import type { AlertDispatcher } from './alerts/dispatcher.js';
import { alertNotificationOutput } from './alerts/output.js';
import { clickHouseOutput } from './clickhouse/output.js';
import type { ClickHouseStore } from './clickhouse/store.js';
import type { KafkaDeadLetterSink } from './dead-letters/dead-letter-producer.js';
import { deadLetterOutput } from './dead-letters/output.js';
import type { Output } from './output.js';

/** What outputs are built from (started by the monitor before the outputs are). */
export interface OutputServices {
  readonly store: ClickHouseStore;
  readonly deadLetters: KafkaDeadLetterSink;
  readonly dispatcher: AlertDispatcher;
}

export const OUTPUTS: readonly ((services: OutputServices) => Output)[] = [
  (s) => deadLetterOutput(s.deadLetters),
  (s) => clickHouseOutput(s.store),
  (s) => alertNotificationOutput(s.dispatcher),
];

export type { Output } from './output.js';
