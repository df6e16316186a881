import { describe, expect, it } from 'vitest';
import { ActivityColumns, sharedNames } from '../../../src/runtime/engine/baseline/activity-columns.js';
import { ActivityHistory } from '../../../src/runtime/engine/baseline/history.js';
import type { ActorActivityRow } from '../../../src/runtime/engine/index.js';
import { T0 } from './support/enrich.js';
import { hourlyRows } from './support/history.js';
import { prng } from './support/prng.js';

const BAND = { start: 8, end: 19, weekend_days: [6, 7] };
const OWNER = { actorId: 'alice', role: 'support_agent', department: 'customer_care' };
const OWNER_FIELDS = { actor_id: OWNER.actorId, role: OWNER.role, department: OWNER.department };
const H1 = 3_600_000;

/** A row as ClickHouse hands it back: every list and string its own copy. */
function parsed(row: ActorActivityRow, changes: Partial<ActorActivityRow> = {}): ActorActivityRow {
  return JSON.parse(JSON.stringify({ ...row, ...changes })) as ActorActivityRow;
}

/** A random row of the bucket starting at `start`: every optional field present or not, counts up to 2^32 - 1. */
function randomRow(rnd: () => number, start: number, big = 0.05): ActorActivityRow {
  const pick = (n: number): number => Math.floor(rnd() * n);
  // Mostly counts the narrow form holds (below 65,536), with `big` of them beyond it (to 2^32 - 1).
  const countOf = (): number => (rnd() < big ? (rnd() < 0.5 ? 0xffff_ffff - pick(3) : 65_536 + pick(200_000)) : rnd() < 0.5 ? pick(20) : 65_535 - pick(60_000));
  const names = (pool: readonly string[]): string[] => pool.filter(() => rnd() < 0.4);
  const classNames = names(['exports', 'searches', 'reads', 'bulk']);
  const row: ActorActivityRow = {
    actor_id: OWNER.actorId,
    role: OWNER.role,
    department: OWNER.department,
    granularity: 'hour',
    bucket_start: start,
    local_hour: pick(24),
    local_weekday: 1 + pick(7),
    events: countOf(),
    distinct_records: countOf(),
    peak_5m_distinct: countOf(),
    ...(rnd() < 0.7 && { peak_1h_distinct: countOf() }),
    ...(rnd() < 0.3 && { peak_24h_distinct: countOf() }),
    ...(rnd() < 0.6 && { max_request_records: countOf() }),
    denied: countOf(),
    ...(rnd() < 0.7 && { class_names: classNames }),
    ...(rnd() < 0.7 && { class_events: classNames.map(countOf) }),
    ...(rnd() < 0.5 && { under_alert: rnd() < 0.5 }),
    resource_types: names(['customer', 'order', 'payment']),
    channels: names(['api', 'support_console', 'export']),
    zones: names(['office', 'vpn']),
  };
  return row;
}

/** What the baselines read of a row (the readers they use), from the row itself. */
function readings(row: ActorActivityRow): number[] {
  const classOf = (name: string): number => {
    const at = row.class_names?.indexOf(name) ?? -1;
    return at < 0 ? 0 : (row.class_events?.[at] ?? 0);
  };
  return [
    row.bucket_start,
    row.local_hour,
    row.local_weekday,
    row.under_alert === true ? 1 : 0,
    row.events,
    row.distinct_records,
    row.peak_5m_distinct,
    row.peak_1h_distinct ?? row.distinct_records,
    row.peak_24h_distinct ?? row.distinct_records,
    row.max_request_records ?? 0,
    classOf('exports'),
    classOf('bulk'),
    classOf('missing'),
  ];
}

function readingsAt(c: ActivityColumns, i: number): number[] {
  return [
    c.start(i),
    c.localHour(i),
    c.localWeekday(i),
    c.underAlert(i) ? 1 : 0,
    c.events(i),
    c.distinctRecords(i),
    c.peak5m(i),
    c.peak1h(i),
    c.peak24h(i),
    c.maxRequestRecords(i),
    c.classEvents(i, 'exports'),
    c.classEvents(i, 'bulk'),
    c.classEvents(i, 'missing'),
  ];
}

describe('activity rows held as columns', () => {
  // Seed 1 stays narrow, seed 2 turns wide once in a while, seed 3 early (and has starts that are not whole seconds).
  for (const [seed, big] of [
    [1, 0],
    [2, 0.0002],
    [3, 0.01],
  ] as const) {
    it(`read back equal to the rows given, field for field, over random inserts, replacements and drops (seed ${seed})`, () => {
      const rnd = prng(seed);
      let turnedWideAt = -1;
      const pick = (n: number): number => Math.floor(rnd() * n);
      const held = new ActivityColumns('hour');
      let model: ActorActivityRow[] = [];
      for (let step = 0; step < 3_000; step++) {
        const op = rnd();
        if (op < 0.6) {
          // A new bucket: mostly the next hour, sometimes one before the oldest or between (a restore's rows).
          const starts = new Set(model.map((r) => r.bucket_start));
          let start = (model.at(-1)?.bucket_start ?? T0) + H1 + (seed === 3 && rnd() < 0.01 ? pick(999) : 0);
          if (rnd() < 0.3 && model.length > 0) start = (model[pick(model.length)] as ActorActivityRow).bucket_start - H1 * (1 + pick(3));
          if (starts.has(start)) continue;
          const row = randomRow(rnd, start, big);
          let i = model.length;
          while (i > 0 && (model[i - 1] as ActorActivityRow).bucket_start > start) i--;
          model.splice(i, 0, row);
          held.insert(i, row);
        } else if (op < 0.85 && model.length > 0) {
          const i = pick(model.length);
          const row = randomRow(rnd, (model[i] as ActorActivityRow).bucket_start, big);
          model[i] = row;
          held.replace(i, row);
        } else if (model.length > 0) {
          const n = pick(Math.min(model.length, 5) + 1);
          model = model.slice(n);
          held.dropFirst(n);
        }
        expect(held.length).toBe(model.length);
        if (turnedWideAt < 0 && held.form === 'wide') turnedWideAt = step;
        // Every row held right after the store turns wide, and every 50 steps.
        if (step % 50 === 0 || step > 2_950 || step === turnedWideAt) {
          model.forEach((row, i) => {
            expect(held.row(i, OWNER)).toEqual(row);
            expect(readingsAt(held, i)).toEqual(readings(row));
          });
        }
        const probe = model.length === 0 ? T0 : (model[pick(model.length)] as ActorActivityRow).bucket_start;
        expect(held.indexOf(probe)).toBe(model.findIndex((r) => r.bucket_start === probe));
        expect(held.lowerBound(probe + 1)).toBe(model.filter((r) => r.bucket_start <= probe).length);
      }
      // Seed 1 never needed the wide form; seeds 2 and 3 turned to it on the way.
      expect(held.form).toBe(seed === 1 ? 'narrow' : 'wide');
      if (seed !== 1) expect(turnedWideAt).toBeGreaterThan(0);
    });
  }

  it('are narrow for ordinary rows and turn wide, keeping every row, for a count past 65,535 or a start not in whole seconds', () => {
    const rows = hourlyRows('alice', { days: 3, peak5m: 30, before: T0 });
    for (const [change, why] of [
      [{ distinct_records: 65_536 }, 'count'],
      [{ class_names: ['exports'], class_events: [70_000] }, 'class count'],
      [{ bucket_start: T0 + 1 }, 'start'],
    ] as const) {
      const held = new ActivityColumns('hour');
      rows.forEach((r, i) => held.insert(i, r));
      expect(held.form, why).toBe('narrow');
      const odd = { ...(rows.at(-1) as ActorActivityRow), bucket_start: T0 + 2 * H1, ...change };
      held.insert(rows.length, odd);
      expect(held.form, why).toBe('wide');
      expect([...rows, odd].map((_, i) => held.row(i, OWNER)), why).toEqual([...rows, odd].map((r) => ({ ...r, ...OWNER_FIELDS })));
    }
  });

  it('hold epoch milliseconds before 1970 and beyond 2106 exactly (a start is two words)', () => {
    const held = new ActivityColumns('day');
    const starts = [-86_400_000, 0, 4_294_967_295, 4_294_967_296, 1_741_046_400_000, 2 ** 53 - 1];
    starts.forEach((s, i) => held.insert(i, { ...randomRow(prng(9), s), granularity: 'day' }));
    expect(starts.map((_, i) => held.start(i))).toEqual(starts);
  });

});

describe('the rows the baselines hold', () => {
  it('share their name lists between rows and actors, and equal the rows given, field for field', () => {
    const h = new ActivityHistory(28 * 86_400_000, BAND);
    const [a1, a2] = hourlyRows('alice', { days: 2, peak5m: 30, before: T0 }) as [ActorActivityRow, ActorActivityRow];
    const [b1] = hourlyRows('bob', { days: 1, peak5m: 12, before: T0 }) as [ActorActivityRow];
    const given = [
      parsed(a1, { resource_types: ['customer', 'order'], channels: ['console'], zones: ['office'], class_names: ['export'], class_events: [2] }),
      parsed(a2, { resource_types: ['customer', 'order'], channels: ['console'], zones: ['office'] }),
      parsed(b1, { resource_types: ['customer', 'order'], channels: ['api'], zones: ['office'], class_names: ['export'], class_events: [5] }),
    ];
    h.add(given[0] as ActorActivityRow);
    h.merge(given[1] as ActorActivityRow);
    h.add(given[2] as ActorActivityRow);
    const alice = h.actor('alice');
    const bob = h.actor('bob');
    if (alice === undefined || bob === undefined) throw new Error('no history held');
    const x = alice.hourly.row(0, alice);
    const y = alice.hourly.row(1, alice);
    const z = bob.hourly.row(0, bob);
    expect([x, y, z]).toEqual(given);
    // One array for the same names, whichever row or actor holds them; another for other names.
    expect(x.resource_types).toBe(y.resource_types);
    expect(x.resource_types).toBe(z.resource_types);
    expect(x.zones).toBe(z.zones);
    expect(x.class_names).toBe(z.class_names);
    expect(x.channels).not.toBe(z.channels);
    expect(Object.isFrozen(x.resource_types)).toBe(true);
  });

  it('a replacing row (merge of a newer close of the bucket) is held the same way', () => {
    const h = new ActivityHistory(28 * 86_400_000, BAND);
    const [row] = hourlyRows('alice', { days: 1, peak5m: 30, before: T0 }) as [ActorActivityRow];
    h.add(parsed(row, { zones: ['office'] }));
    const newer = parsed(row, { events: row.events + 5, zones: ['office'] });
    expect(h.merge(newer)).toBe('replaced');
    const alice = h.actor('alice');
    if (alice === undefined) throw new Error('no history held');
    const held = alice.hourly.row(0, alice);
    expect(held).toEqual(newer);
    expect(held.zones).toBe(sharedNames(['office']));
    expect(alice.hourly.length).toBe(1);
  });

  it('shares only lists of exactly the same names in the same order', () => {
    const ab = sharedNames(['a', 'b']);
    expect(sharedNames(['a', 'b'])).toBe(ab);
    expect(sharedNames(['b', 'a'])).toEqual(['b', 'a']);
    expect(sharedNames(['b', 'a'])).not.toBe(ab);
    // A name holding the separator cannot pass for two names.
    const odd = ['a\u0000b'];
    expect(sharedNames(odd)).toEqual(odd);
    expect(sharedNames(['a', 'b'])).toBe(ab);
  });
});

// Last in the file: it fills the shared lists, which every history of the process shares.
describe('past the shared lists cap', () => {
  it("a row's lists past the shared lists' cap are its own, kept by bucket start, and go with the row", () => {
    // 16,384 lists fill the cap; every list after that is held beside the array.
    for (let n = 0; n < 16_500; n++) sharedNames([`type-${n}`]);
    const held = new ActivityColumns('hour');
    const own = { ...randomRow(prng(4), T0), resource_types: ['never-shared'], zones: ['vpn-never-shared'] };
    const next = { ...randomRow(prng(5), T0 + H1), resource_types: ['also-never-shared'] };
    held.insert(0, own);
    held.insert(1, next);
    expect(held.row(0, OWNER)).toEqual(own);
    expect(held.row(1, OWNER)).toEqual(next);
    // Replaced by a row whose lists are shared: the own lists are gone with the row before.
    const shared = { ...own, resource_types: [], zones: [] };
    held.replace(0, shared);
    expect(held.row(0, OWNER)).toEqual(shared);
    held.dropFirst(1);
    expect(held.row(0, OWNER)).toEqual(next);
  });
});
