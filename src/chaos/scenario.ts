/**
 * The input of a chaos run: simulated traffic with known incidents (see
 * src/sim), produced to a topic with a fixed partition per actor, so a
 * partition's messages are the same whether they are produced at once or in
 * stages (a partition produced late is a lagging partition to catch up).
 */
import type { Kafka } from 'kafkajs';
import { createSimulation } from '../sim/simulator.js';
import type { SimLabels } from '../sim/types.js';
import type { WireEvent } from '../sim/wire.js';

export interface ChaosStream {
  readonly events: readonly WireEvent[];
  readonly directoryCsv: string;
  readonly labels: SimLabels;
  readonly partitions: number;
  /** Event indices per partition, in production order. */
  readonly byPartition: readonly (readonly number[])[];
}

export function buildStream(options: { seed: number; actors: number; days: number; partitions: number }): ChaosStream {
  const sim = createSimulation({ seed: options.seed, actors: options.actors, days: options.days, incidents: 'default' });
  const stream = sim.stream();
  const events = [...stream];
  const byPartition: number[][] = Array.from({ length: options.partitions }, () => []);
  events.forEach((e, i) => byPartition[partitionOf(e.actor_id, options.partitions)]?.push(i));
  return { events, directoryCsv: sim.directoryCsv, labels: stream.labels(), partitions: options.partitions, byPartition };
}

/** FNV-1a of the actor id: one actor, one partition, the same in every run. */
export function partitionOf(actorId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < actorId.length; i++) {
    h ^= actorId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

/** Produces the given events of `stream` (indices, in order) to their partitions, keyed by actor, acks from all replicas. */
export async function produceEvents(kafka: Kafka, topic: string, stream: ChaosStream, indices: readonly number[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < indices.length; i += 2_000) {
      const messages = indices.slice(i, i + 2_000).map((k) => {
        const e = stream.events[k] as WireEvent;
        return { key: e.actor_id, value: JSON.stringify(e), partition: partitionOf(e.actor_id, stream.partitions) };
      });
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}
