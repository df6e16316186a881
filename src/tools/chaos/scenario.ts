/**
 * The input of a chaos run: simulated traffic with known incidents (see
 * src/sim), produced to a topic with a fixed partition per actor, so a
 * partition's messages are the same whether they are produced at once or in
 * stages (a partition produced late is a lagging partition to catch up).
 *
 * Actors are placed by role: every actor of a role (hence of a peer group) on
 * one partition. Events of a partition produced after the others were read
 * past them cannot be waited for (peer snapshots taken meanwhile lack them:
 * ARCHITECTURE.md, "Determinism"), so the late partition's peers are kept on
 * it, and the comparison with a clean run stays exact for peer and role
 * baselines. Not for the organisation-wide prior, which counts every
 * partition's rows: an alert judged against it while the late partition's
 * later events were not produced yet differs in its figures, and the report
 * marks it as that documented limit (compare.ts documentedDifference).
 * Alignment across partitions that share peers is what
 * test/detection/interleaving.test.ts and `npm run bench:determinism` measure.
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
  readonly partitionOfActor: ReadonlyMap<string, number>;
}

export function buildStream(options: { seed: number; actors: number; days: number; partitions: number }): ChaosStream {
  const sim = createSimulation({ seed: options.seed, actors: options.actors, days: options.days, incidents: 'default' });
  const stream = sim.stream();
  const events = [...stream];
  const partitionOf = partitionsByRole(
    sim.actors.map((a) => [a.actor_id, a.role]),
    events.map((e) => e.actor_id),
    options.partitions,
  );
  const byPartition: number[][] = Array.from({ length: options.partitions }, () => []);
  const assignment = new Map<string, number>();
  events.forEach((e, i) => {
    const p = partitionOf(e.actor_id);
    assignment.set(e.actor_id, p);
    byPartition[p]?.push(i);
  });
  return { events, directoryCsv: sim.directoryCsv, labels: stream.labels(), partitions: options.partitions, byPartition, partitionOfActor: assignment };
}

/**
 * One partition per role (actors outside the directory share one), the
 * busiest roles first onto the least loaded partition, so partitions carry
 * comparable traffic.
 */
function partitionsByRole(actors: readonly (readonly [string, string])[], eventActors: readonly string[], partitions: number): (actorId: string) => number {
  const roleOf = new Map(actors);
  const load = new Map<string, number>();
  for (const a of eventActors) {
    const role = roleOf.get(a) ?? '(unknown)';
    load.set(role, (load.get(role) ?? 0) + 1);
  }
  const partitionLoad = Array.from({ length: partitions }, () => 0);
  const partitionOfRole = new Map<string, number>();
  for (const [role, n] of [...load].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))) {
    const p = partitionLoad.indexOf(Math.min(...partitionLoad));
    partitionOfRole.set(role, p);
    partitionLoad[p] = (partitionLoad[p] ?? 0) + n;
  }
  return (actorId) => partitionOfRole.get(roleOf.get(actorId) ?? '(unknown)') ?? 0;
}

/** Produces the given events of `stream` (indices, in order) to their partitions, keyed by actor, acks from all replicas. */
export async function produceEvents(kafka: Kafka, topic: string, stream: ChaosStream, indices: readonly number[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < indices.length; i += 2_000) {
      const messages = indices.slice(i, i + 2_000).map((k) => {
        const e = stream.events[k] as WireEvent;
        return { key: e.actor_id, value: JSON.stringify(e), partition: stream.partitionOfActor.get(e.actor_id) ?? 0 };
      });
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}
