import { describe, expect, it } from 'vitest';
import { ACCESS_EVENT_COLUMNS, ACTIVITY_COLUMNS, ALERT_COLUMNS, DELIVERY_COLUMNS, REJECTED_COLUMNS } from '../../../../src/runtime/outputs/clickhouse/ddl.js';
import { accessEventFromRow, accessEventLine, type AccessEventRow } from '../../../../src/runtime/outputs/clickhouse/rows/access-event-row.js';
import { activityFromRow, activityLine, type ActivityRow } from '../../../../src/runtime/outputs/clickhouse/rows/activity-row.js';
import { alertFromRow, alertLine, type AlertRow } from '../../../../src/runtime/outputs/clickhouse/rows/alert-row.js';
import { deliveryLine } from '../../../../src/runtime/outputs/clickhouse/rows/delivery-row.js';
import { rejectedLine } from '../../../../src/runtime/outputs/clickhouse/rows/rejected-row.js';
import { activity, alert, event, position, rejected, T0, update } from '../fixtures.js';

const columnsOf = (cols: readonly (readonly [string, string])[]) => cols.map(([name]) => name);
const parse = (line: string): Record<string, unknown> => {
  expect(line.endsWith('\n')).toBe(true);
  expect(line.slice(0, -1)).not.toContain('\n');
  return JSON.parse(line) as Record<string, unknown>;
};

describe('access_events rows', () => {
  it('a line has exactly the table columns, with times as epoch seconds and ms', () => {
    const row = parse(accessEventLine(event(), position('123'), 1709300000));
    expect(Object.keys(row)).toEqual(columnsOf(ACCESS_EVENT_COLUMNS));
    expect(row.ts).toBe(Math.floor(T0 / 1000));
    expect(row.ts_ms).toBe(T0);
    expect(row.ingested_at).toBe(1709300000);
    expect(row.actor_known).toBe(1);
    expect(row.business_hours).toBe(1);
    expect(row.ticket_id).toBeNull();
  });

  it('offsets are numbers when exact, and keep every digit beyond 2^53 as a JSON string', () => {
    expect(accessEventLine(event(), position('123'), 0)).toContain('"source_offset":123,');
    expect(accessEventLine(event(), position('9007199254740993'), 0)).toContain('"source_offset":"9007199254740993",');
  });

  it('strings with quotes, backslashes, newlines and NUL stay inside their JSON string', () => {
    const nasty = 'a"b\\c\nd\u0000e\u2028';
    const row = parse(accessEventLine(event({ actor_id: nasty, user_agent: nasty }), position(), 0));
    expect(row.actor_id).toBe(nasty);
    expect(row.user_agent).toBe(nasty);
  });

  it('reads back the event the engine saw', () => {
    const original = event({ channel: null, actor: { ...event().actor, known: false, employment_status: 'unknown', allowed_zones: [] } });
    const stored = parse(accessEventLine(original, position(), 0)) as unknown as AccessEventRow;
    // ClickHouse may quote 64-bit integers in JSON output.
    expect(accessEventFromRow({ ...stored, ts_ms: String(stored.ts_ms) })).toEqual(original);
  });

  it('refuses values the columns cannot hold, naming the field and not the value', () => {
    expect(() => accessEventLine(event({ ts: -1 }), position(), 0)).toThrow(/^ts must be/);
    expect(() => accessEventLine(event({ record_count: 1.5 }), position(), 0)).toThrow(/record_count/);
    expect(() => accessEventLine(event(), position('12; DROP'), 0)).toThrow(/^source_offset must be a decimal UInt64 string$/);
  });

  it('a stored row with an action outside the model is skipped, not guessed', () => {
    const stored = parse(accessEventLine(event(), position(), 0)) as unknown as AccessEventRow;
    expect(accessEventFromRow({ ...stored, action: 'teleport' })).toBeNull();
  });
});

describe('alerts rows', () => {
  it('a line has exactly the table columns; explanation is JSON text; times twice', () => {
    const a = alert();
    const row = parse(alertLine(update(a, true), T0 + 5));
    expect(Object.keys(row)).toEqual(columnsOf(ALERT_COLUMNS));
    expect(JSON.parse(row.explanation as string)).toEqual(a.explanation);
    expect(row.first_event_ts).toBe(Math.floor(a.first_event_ts / 1000));
    expect(row.first_event_ts_ms).toBe(a.first_event_ts);
    expect(row.notify).toBe(1);
    expect(row.stored_at_ms).toBe(T0 + 5);
  });

  it('round-trips an alert, nulls included', () => {
    const a = alert({ baseline: null, baseline_source: null, score: null, rule_kind: 'policy', window_label: 'request' });
    const row = parse(alertLine(update(a, false), T0)) as unknown as AlertRow;
    expect(alertFromRow({ ...row, revision: String(row.revision) })).toEqual(a);
  });

  it('an alert without a status is stored and read back as open; closed survives', () => {
    const { status: _, ...withoutStatus } = alert();
    const row = parse(alertLine(update(withoutStatus, false), T0)) as unknown as AlertRow;
    expect(row.status).toBe('open');
    expect(alertFromRow(row)?.status).toBe('open');
    const closed = parse(alertLine(update(alert({ status: 'closed' }), false), T0)) as unknown as AlertRow;
    expect(alertFromRow(closed)?.status).toBe('closed');
  });

  it('non-finite figures are stored as null (JSON cannot carry them) instead of failing the batch', () => {
    const row = parse(alertLine(update(alert({ score: Infinity, baseline: Number.NaN }), true), T0));
    expect(row.score).toBeNull();
    expect(row.baseline).toBeNull();
  });
});

describe('other tables', () => {
  it('actor_activity round-trips', () => {
    const a = activity({ granularity: 'day', channels: [] });
    const row = parse(activityLine(a, 1)) as unknown as ActivityRow;
    expect(Object.keys(row)).toEqual(columnsOf(ACTIVITY_COLUMNS));
    expect(activityFromRow(row)).toEqual(a);
    // With requests per activity class: names and counts side by side; none read back as none.
    const classes = activity({ class_names: ['exports'], class_events: [12] });
    const stored = parse(activityLine(classes, 1)) as unknown as ActivityRow;
    expect([stored.class_names, stored.class_events]).toEqual([['exports'], [12]]);
    expect(activityFromRow(stored)).toEqual(classes);
    expect(activityFromRow(row)).not.toHaveProperty('class_names');
    // A bucket under an open alert keeps its mark across a restart (1 stored, absent when 0).
    const marked = activity({ under_alert: true });
    const m = parse(activityLine(marked, 1)) as unknown as ActivityRow;
    expect(m.under_alert).toBe(1);
    expect(activityFromRow(m)).toEqual(marked);
    expect(row.under_alert).toBe(0);
    expect(activityFromRow(row)).not.toHaveProperty('under_alert');
  });

  it('rejected_events has the columns, no payload', () => {
    const row = parse(rejectedLine(rejected()));
    expect(Object.keys(row)).toEqual(columnsOf(REJECTED_COLUMNS));
    expect(row.source_offset).toBe(77);
    expect(row).not.toHaveProperty('payload');
  });

  it('alert_deliveries has the columns', () => {
    const row = parse(
      deliveryLine({
        alert_id: 'a',
        revision: 2,
        endpoint_id: 'ep_1',
        endpoint_origin: 'https://hooks.example',
        status: 'failed',
        attempts: 3,
        last_http_status: null,
        last_error: 'timeout after 10000ms',
        updated_at_ms: T0,
      }),
    );
    expect(Object.keys(row)).toEqual(columnsOf(DELIVERY_COLUMNS));
    expect(row.last_http_status).toBeNull();
  });
});
