/**
 * The Kafka source: a consumer group reading the events topic in batches.
 *
 * This is the one place offsets are resolved and committed, and only after the
 * batch handler reports that every sink accepted the batch (at-least-once).
 * The handler never throws for bad input (that would make kafkajs retry the
 * same offset forever); it may report `abandoned` when the consumer is stopping
 * or the partition was revoked mid-batch, and then nothing is committed and the
 * batch is redelivered, to this or another instance.
 */
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../../observability/log.js';
import type { InboundMessage } from '../../model/batch.js';
import { HeldTails, fitting } from './held-tail.js';

export interface SourceBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly InboundMessage[];
  /** The partition's log end offset when the batch was fetched. */
  readonly highWatermark?: string;
}

export interface BatchControl {
  /** Keep the group membership alive during long retries. */
  heartbeat(): Promise<void>;
  /** true when the consumer is stopping or lost the partition: give up, commit nothing. */
  shouldAbandon(): boolean;
}

/**
 * What became of a batch: stored (offsets commit through `through`, the last
 * message stored; `held`: the messages after it wait, kept in memory (up to
 * HELD_TAIL_MAX_BYTES, see held-tail.ts), and the partition pauses until the
 * alignment lets it go on; they come first in its next batch), or abandoned
 * (nothing commits; the batch is handed on again).
 */
export type BatchOutcome =
  | { readonly kind: 'stored'; readonly through: string | null; readonly held: boolean }
  | { readonly kind: 'abandoned' };

export type BatchHandler = (batch: SourceBatch, control: BatchControl) => Promise<BatchOutcome>;

export interface KafkaSourceOptions {
  readonly topic: string;
  readonly groupId: string;
  readonly fromBeginning: boolean;
  /** Consumer-group session timeout (ms); default 45 s. Heartbeats run every 3 s, also during long sink requests. */
  readonly sessionTimeoutMs?: number;
  /** Partitions processed concurrently; sink I/O of one overlaps the CPU work of another. */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Told the partitions of the topic this instance owns after each group join
   * (start and every rebalance), before any batch of the new assignment.
   * `fresh`: the member id changed (first join, or membership lost and joined
   * anew), so any partition may have had another owner meanwhile.
   */
  readonly onAssignment?: (partitions: readonly number[], fresh: boolean) => void;
  /**
   * Partition alignment: told each assignment (before `onAssignment`), and when
   * a partition was paused because its batch was held (BatchOutcome.held); such
   * partitions are resumed once `resumable` lists them, asked after every batch
   * and every second. kafkajs keeps its own paused list across rebalances, so
   * at every join each assigned partition the alignment does not hold paused
   * (one paused before it was revoked, which the alignment forgot) is resumed.
   */
  readonly alignment?: {
    assign(partitions: readonly number[]): void;
    paused(partition: number): void;
    isPaused(partition: number): boolean;
    resumable(): readonly number[];
  };
}

/**
 * How the monitor fetches (also what `custos bench latency` prints and gives
 * its bare consumer): larger fetches make larger batches, one ClickHouse
 * insert per table per batch; a fetch returns as soon as any message is
 * there (kafkajs minBytes 1) or after maxWaitTimeInMs without one.
 */
export const FETCH_SETTINGS = Object.freeze({
  maxBytesPerPartition: 4 * 1024 * 1024,
  maxBytes: 16 * 1024 * 1024,
  maxWaitTimeInMs: 500,
});
/** Partitions whose batches are handled at once (each its own batch and inserts). */
export const PARTITIONS_CONSUMED_CONCURRENTLY = 3;
/** Held-back messages kept in memory per partition (keys and values), and the most a batch hands on: one fetch's worth; the rest is fetched again. */
export const HELD_TAIL_MAX_BYTES = FETCH_SETTINGS.maxBytesPerPartition;

export class KafkaSource {
  private consumer: Consumer | null = null;
  private admin: Promise<Admin> | null = null;
  private resumeTimer: NodeJS.Timeout | null = null;
  private running = false;
  /** Messages held back by the alignment, per partition, until the partition's next batch. */
  private readonly held = new HeldTails();
  /** Counts group joins and crashes: a batch that saw one while handled keeps nothing held (kafkajs starts again from the committed offsets). */
  private generation = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaSourceOptions,
    private readonly logger: Logger,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  /** Connects, subscribes and starts consuming; safe to call again after it threw (start-up retries). */
  async start(handler: BatchHandler, onFatal: (err: Error) => void): Promise<void> {
    if (this.consumer) await this.consumer.disconnect().catch(() => undefined);
    if (this.resumeTimer) clearInterval(this.resumeTimer);
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 45_000,
      heartbeatInterval: 3_000,
      ...FETCH_SETTINGS,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      this.forgetHeld();
      if (restart) {
        this.logger.warn({ err: error }, 'consumer crashed; kafkajs restarts it');
        // kafkajs has left the group: the partitions are someone else's until it rejoins (with a
        // new consumer group, so nothing paused).
        this.options.alignment?.assign([]);
        this.options.onAssignment?.([], true);
      } else {
        this.running = false;
        onFatal(error);
      }
    });
    let memberId: string | null = null;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const partitions = event.payload.memberAssignment[this.options.topic] ?? [];
      const fresh = event.payload.memberId !== memberId;
      memberId = event.payload.memberId;
      // kafkajs' new offset manager fetches every partition from its committed offset again.
      this.forgetHeld();
      this.logger.info({ partitions, fresh }, 'partitions assigned');
      const alignment = this.options.alignment;
      if (alignment !== undefined) {
        alignment.assign(partitions);
        // kafkajs' paused list outlives a revocation (its SubscriptionState), the alignment's state
        // does not: a partition paused, revoked and assigned again would never be fetched again.
        const running = partitions.filter((p) => !alignment.isPaused(p));
        if (running.length > 0) consumer.resume([{ topic: this.options.topic, partitions: running }]);
      }
      this.options.onAssignment?.(partitions, fresh);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.options.topic, fromBeginning: this.options.fromBeginning });
    this.running = true;
    const topic = this.options.topic;
    const resumeWhatMay = () => {
      const partitions = this.options.alignment?.resumable() ?? [];
      if (partitions.length === 0 || this.consumer !== consumer) return;
      this.logger.debug({ partitions }, 'alignment: partitions resumed');
      consumer.resume([{ topic, partitions: [...partitions] }]);
    };
    if (this.options.alignment) {
      this.resumeTimer = setInterval(resumeWhatMay, 1_000);
      this.resumeTimer.unref();
    }
    await consumer.run({
      eachBatchAutoResolve: false,
      // Offsets are committed here, through the last stored message, never by kafkajs: kafkajs'
      // resolved offset is where it fetches next, which may be past messages held in memory.
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? PARTITIONS_CONSUMED_CONCURRENTLY,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0) return;
        const generation = this.generation;
        const all = this.held.before(batch.partition, batch.messages);
        // A batch is at most one fetch's worth, held messages included (as large as before they
        // were kept: a larger batch holds more in memory until stored); the rest is held.
        const messages = all === batch.messages ? all : all.slice(0, Math.max(1, fitting(all, 0, HELD_TAIL_MAX_BYTES)));
        const outcome = await handler(
          { topic: batch.topic, partition: batch.partition, messages, highWatermark: batch.highWatermark },
          { heartbeat, shouldAbandon: () => !isRunning() || isStale() },
        );
        if (outcome.kind === 'stored') {
          const { through } = outcome;
          if (through !== null) {
            await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(through) + 1n).toString() }] }] });
          }
          // The rest (cut by the alignment, or beyond one fetch's worth) waits in memory. kafkajs
          // fetches on from the last message held (fetched again), so that fetch is never empty,
          // even at the log end.
          const rest = indexAfter(messages, through);
          const last = rest < all.length && generation === this.generation ? this.held.hold(batch.partition, all, rest, HELD_TAIL_MAX_BYTES) : null;
          if (last === null) this.held.release(batch.partition);
          if (last !== null) resolveOffset((BigInt(last.offset) - 1n).toString());
          else if (through !== null) resolveOffset(through);
          if (outcome.held) {
            this.logger.debug({ partition: batch.partition, through, kept: this.held.count(batch.partition) }, 'alignment: partition held');
            consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
            this.options.alignment?.paused(batch.partition);
          }
        }
        resumeWhatMay();
      },
    });
  }

  private forgetHeld(): void {
    this.generation++;
    this.held.clear();
  }

  /**
   * Where this group's consumption of the partition resumes: `committed`, its
   * committed offset; with none, the earliest offset Kafka still holds when
   * reading from the beginning (everything from there is replayed), or null
   * when reading from the end (nothing is replayed: whatever was stored
   * counts). `caughtUp`: nothing waits beyond it (the log ends there). Read
   * after the group assigned the partition to this instance, so no other
   * member can commit it meanwhile.
   */
  async resumePoint(partition: number): Promise<{ readonly committed: string | null; readonly caughtUp: boolean }> {
    const admin = await this.adminClient();
    const [[group], held] = await Promise.all([
      admin.fetchOffsets({ groupId: this.options.groupId, topics: [this.options.topic] }),
      admin.fetchTopicOffsets(this.options.topic),
    ]);
    const log = held.find((p) => p.partition === partition);
    const offset = group?.partitions.find((p) => p.partition === partition)?.offset;
    const known = offset !== undefined && offset !== '-1' && offset !== '';
    const committed = known ? offset : this.options.fromBeginning ? (log?.low ?? '0') : null;
    const caughtUp = log === undefined || (committed !== null ? BigInt(committed) >= BigInt(log.high) : true);
    return { committed, caughtUp };
  }

  private adminClient(): Promise<Admin> {
    if (this.admin === null) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(
        () => admin,
        (err: unknown) => {
          this.admin = null;
          throw err;
        },
      );
    }
    return this.admin;
  }

  /** Stops fetching, waits for the batch in flight (and its commit), leaves the group. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.resumeTimer) clearInterval(this.resumeTimer);
    this.resumeTimer = null;
    this.forgetHeld();
    if (this.consumer) await this.consumer.disconnect();
    this.consumer = null;
    const admin = this.admin;
    this.admin = null;
    if (admin !== null) await admin.then((a) => a.disconnect()).catch(() => undefined);
  }
}

/** Index of the first message after `through` (0 for null: none of the batch was stored). */
function indexAfter(messages: readonly InboundMessage[], through: string | null): number {
  if (through === null) return 0;
  const i = messages.findIndex((m) => m.offset === through);
  return i < 0 ? messages.length : i + 1;
}
