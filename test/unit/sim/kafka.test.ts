import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProducerRecord } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { type MinimalProducer, produceToKafka, readNdjsonEvents } from '../../../src/tools/sim/kafka.js';
import { simulate } from '../../../src/tools/sim/simulate.js';
import { createSimulation } from '../../../src/tools/sim/simulator.js';

function fakeProducer(): MinimalProducer & { records: ProducerRecord[]; calls: string[] } {
  const records: ProducerRecord[] = [];
  const calls: string[] = [];
  return {
    records,
    calls,
    connect: async () => {
      calls.push('connect');
    },
    disconnect: async () => {
      calls.push('disconnect');
    },
    send: async (r: ProducerRecord) => {
      calls.push('send');
      records.push(r);
      return [];
    },
  };
}

describe('feeding Kafka', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-sim-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends every event in order, keyed by actor_id, in batches of 1000 with acks -1', async () => {
    const events = [...createSimulation({ seed: 2, actors: 40, days: 2, incidents: 'none' }).stream()];
    const p = fakeProducer();
    const res = await produceToKafka({ brokers: [], topic: 'access-events', events, producer: p });
    expect(res.sent).toBe(events.length);
    expect(p.calls[0]).toBe('connect');
    expect(p.calls.at(-1)).toBe('disconnect');
    expect(p.records.every((r) => r.topic === 'access-events' && r.acks === -1)).toBe(true);
    expect(p.records.slice(0, -1).every((r) => r.messages.length === 1000)).toBe(true);
    expect(res.batches).toBe(Math.ceil(events.length / 1000));
    const sent = p.records.flatMap((r) => r.messages);
    expect(sent.map((m) => JSON.parse(String(m.value)))).toEqual(events);
    expect(sent.every((m, i) => m.key === events[i]!.actor_id)).toBe(true);
  });

  it('simulate() writes events, directory and labels that read back identically', async () => {
    const lines: string[] = [];
    const res = simulate({ seed: 4, actors: 40, days: 17, out: dir, log: (l) => lines.push(l) });
    expect(lines.some((l) => l.startsWith('events '))).toBe(true);
    const back: unknown[] = [];
    for await (const e of readNdjsonEvents(res.files.events)) back.push(e);
    expect(back.length).toBe(res.labels.counts.events);
    const again = createSimulation({ seed: 4, actors: 40, days: 17 });
    expect(back).toEqual([...again.stream()]);
  });
});
