import { describe, expect, it } from 'vitest';
import type { AlertUpdate } from '../../../../src/runtime/engine/api.js';
import { alertRevisionsToStore, prepareBatch } from '../../../../src/runtime/outputs/clickhouse/batch.js';
import { ClickHouseSinkError } from '../../../../src/runtime/outputs/clickhouse/errors.js';
import { alert, event, position, rejected, T0, update as updateOf } from '../fixtures.js';

const update = (alert_id: string, revision: number, notify: boolean): AlertUpdate => updateOf(alert({ alert_id, revision }), notify);
const keys = (updates: AlertUpdate[]) => updates.map((u) => `${u.alert.alert_id}.r${u.alert.revision}${u.notify ? '!' : ''}`);

describe('alertRevisionsToStore', () => {
  it('keeps the latest revision of each alert', () => {
    expect(keys(alertRevisionsToStore([update('a', 1, false), update('a', 2, false), update('b', 1, false)]))).toEqual(['a.r2', 'b.r1']);
  });

  it('keeps a notifying revision even when a later merge supersedes it in the same batch', () => {
    expect(keys(alertRevisionsToStore([update('a', 1, true), update('a', 2, false), update('a', 3, true), update('a', 4, false)]))).toEqual(['a.r1!', 'a.r3!', 'a.r4']);
  });

  it('a revision listed twice is stored once, notifying if either did', () => {
    expect(keys(alertRevisionsToStore([update('a', 1, true), update('a', 1, false)]))).toEqual(['a.r1!']);
  });

  it('does not depend on arrival order for which revision is latest', () => {
    expect(keys(alertRevisionsToStore([update('a', 3, false), update('a', 2, false)]))).toEqual(['a.r3']);
  });
});

describe('prepareBatch', () => {
  it('builds one body per non-empty table and lists the notifications', () => {
    const prepared = prepareBatch(
      {
        events: [{ event: event(), position: position('1') }, { event: event({ event_id: 'evt-2' }), position: position('2') }],
        alerts: [update('a', 1, true), update('a', 2, false)],
        rejected: [],
        activity: [],
      },
      T0,
      'custos',
    );
    expect(prepared.bodies.map((b) => [b.table, b.rows])).toEqual([
      ['access_events', 2],
      ['alerts', 2],
    ]);
    expect(prepared.bodies[0]?.body.toString('utf8').split('\n')).toHaveLength(3); // two lines, trailing newline
    expect(prepared.notifications.map((n) => [n.alert.revision, n.storedAtMs])).toEqual([[1, T0]]);
  });

  it('an empty batch sends nothing', () => {
    expect(prepareBatch({ events: [], alerts: [], rejected: [], activity: [] }, T0, 'custos').bodies).toEqual([]);
  });

  it('a bad value fails the batch as a non-retryable serialize error naming table and field', () => {
    let error: unknown;
    try {
      prepareBatch({ events: [], alerts: [], rejected: [rejected({ offset: 'not-a-number' })], activity: [] }, T0, 'custos');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ClickHouseSinkError);
    const sinkError = error as ClickHouseSinkError;
    expect(sinkError).toMatchObject({ operation: 'serialize', table: 'rejected_events', retryable: false });
    expect(sinkError.message).toContain('offset must be');
    expect(sinkError.message).not.toContain('not-a-number');
  });
});
