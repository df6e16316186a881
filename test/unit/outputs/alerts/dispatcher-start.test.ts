import { describe, expect, it } from 'vitest';
import type { Destination } from '../../../../src/runtime/outputs/alerts/destination.js';
import { AlertDispatcher } from '../../../../src/runtime/outputs/alerts/dispatcher.js';
import { captureLog, MemoryOutbox } from './helpers.js';

/** A destination that records its start and stop, and can fail to start (a producer that cannot connect, a file that cannot be opened). */
function recording(id: string, events: string[], failStart = false): Destination {
  return {
    id,
    label: id,
    severities: ['info', 'low', 'medium', 'high', 'critical'],
    closings: false,
    prepare: ({ alert }) => ({ id: alert.alert_id, body: '' }),
    send: async () => ({ kind: 'delivered', httpStatus: null }),
    async start() {
      events.push(`start ${id}`);
      if (failStart) throw new Error(`${id} cannot start`);
    },
    async stop() {
      events.push(`stop ${id}`);
    },
  };
}

describe('AlertDispatcher start', () => {
  it('closes the destinations that did start when a later one fails to (nobody stops a dispatcher that failed to start)', async () => {
    const events: string[] = [];
    const d = new AlertDispatcher({
      destinations: [recording('a', events), recording('b', events), recording('c', events, true), recording('d', events)],
      outbox: new MemoryOutbox(),
      logger: captureLog().logger,
    });
    await expect(d.start()).rejects.toThrow('c cannot start');
    expect(events).toEqual(['start a', 'start b', 'start c', 'stop b', 'stop a']);
  });
});
