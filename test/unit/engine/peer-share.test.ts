/**
 * The peers' share of a resource type (ActivityHistory.shareUsing) is counted
 * once per group, name and cutoff, then kept up to date as members' first
 * and last uses change. Whatever happened in between (new rows, late rows,
 * rows pruned past the look-back, an actor moved to another team, histories
 * dropped), it must equal a count from scratch: here, a fresh history fed the
 * same operations and asked once.
 */
import { describe, expect, it } from 'vitest';
import { ActivityHistory } from '../../../src/runtime/engine/baseline/history.js';
import type { ActorActivityRow } from '../../../src/runtime/engine/index.js';
import type { UseKind } from '../../../src/runtime/engine/baseline/first-uses.js';
import { seededRandom } from '../../support/seeded-random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BAND = { start: 8, end: 19, weekend_days: [6, 7] };
/** Short, so that a few weeks of rows prune names (look-back + 4 days of slack). */
const LOOKBACK = 3 * DAY;
const T0 = Date.UTC(2026, 2, 2);
const ACTORS = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'];
const TEAMS = [
  { role: 'support_agent', department: 'customer_care' },
  { role: 'support_agent', department: 'billing' },
  { role: 'analyst', department: 'customer_care' },
];
const RESOURCES = ['customer', 'order', 'payment_method', 'address'];
/** How often each resource type is in a row: rare ones fall out of the look-back and come back. */
const USE = [0.9, 0.3, 0.05, 0.02];
const CHANNELS = ['support_console', 'api'];

type Op = { add: ActorActivityRow; merge: boolean } | { drop: number } | { lookback: number };

function operations(seed: number, count: number): Op[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const team = new Map(ACTORS.map((a, i) => [a, TEAMS[i % 2] as (typeof TEAMS)[number]]));
  const ops: Op[] = [];
  let now = T0;
  for (let n = 0; n < count; n++) {
    const roll = rnd();
    if (roll < 0.02) {
      ops.push({ drop: 1 + Math.floor(rnd() * 2) });
      continue;
    }
    // A rule reload with another look-back.
    if (roll < 0.025) {
      ops.push({ lookback: (2 + Math.floor(rnd() * 4)) * DAY });
      continue;
    }
    const actor = pick(ACTORS);
    // Now and then the directory moves someone to another team.
    if (roll < 0.05) team.set(actor, pick(TEAMS));
    now += Math.floor(rnd() * HOUR);
    // Mostly in order; some rows late by up to two days (a partition behind).
    const late = rnd() < 0.15 ? Math.floor(rnd() * 48) * HOUR : 0;
    const start = now - (now % HOUR) - late;
    const resources = RESOURCES.filter((_, i) => rnd() < (USE[i] as number));
    const { role, department } = team.get(actor) as (typeof TEAMS)[number];
    ops.push({
      merge: rnd() < 0.5,
      add: {
        actor_id: actor,
        role,
        department,
        granularity: 'hour',
        bucket_start: start,
        local_hour: new Date(start).getUTCHours(),
        local_weekday: ((new Date(start).getUTCDay() + 6) % 7) + 1,
        events: 1 + Math.floor(rnd() * 20),
        distinct_records: 1 + Math.floor(rnd() * 10),
        peak_5m_distinct: 1,
        denied: 0,
        resource_types: resources.length > 0 ? resources : ['customer'],
        channels: [pick(CHANNELS)],
        zones: ['office'],
      },
    });
  }
  return ops;
}

function apply(h: ActivityHistory, op: Op): void {
  if ('drop' in op) h.dropLeastRecent(op.drop, () => false);
  else if ('lookback' in op) h.configure(op.lookback, BAND);
  else if (op.merge) h.merge(op.add);
  else h.add(op.add);
}

/** Every share a peer, role or organisation group can be asked for as of one cutoff. */
function shares(h: ActivityHistory, cutoff: number): number[] {
  const out: number[] = [];
  const groups = [...TEAMS.map(({ role, department }) => h.peerGroup(role, department)), ...TEAMS.map(({ role }) => h.roleGroup(role)), h.orgGroup()];
  for (const g of groups) {
    for (const actor of ACTORS) {
      for (const r of RESOURCES) out.push(h.shareUsing(g, actor, 'resource_types', r, cutoff));
      for (const c of CHANNELS) out.push(h.shareUsing(g, actor, 'channels' as UseKind, c, cutoff));
    }
  }
  return out;
}

describe("the peers' share of a name, kept up to date", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`equals a count from scratch after every kind of change (seed ${seed})`, () => {
      const ops = operations(seed, 400);
      // One history asked as of the current day's start, as the engine asks (kept in order of recency,
      // as under a cap); one asked as of a day 6 days back (a partition far behind), whose counts rows
      // pruned past the look-back change.
      const live = new ActivityHistory(LOOKBACK, BAND, true);
      const behind = new ActivityHistory(LOOKBACK, BAND);
      let nonZero = 0;
      let newest = T0;
      for (let n = 0; n < ops.length; n++) {
        const op = ops[n] as Op;
        apply(live, op);
        apply(behind, op);
        // Asked after every change (so their counts are cached, then corrected rather than counted
        // again), and now and then checked against a history fed the same operations and asked once.
        if ('add' in op) newest = Math.max(newest, op.add.bucket_start);
        const today = newest - (newest % DAY);
        const asked = shares(live, today);
        const askedBehind = shares(behind, today - 6 * DAY);
        if (n % 10 !== 9) continue;
        const fresh = new ActivityHistory(LOOKBACK, BAND, true);
        for (const earlier of ops.slice(0, n + 1)) apply(fresh, earlier);
        expect(asked).toEqual(shares(fresh, today));
        const freshBehind = new ActivityHistory(LOOKBACK, BAND);
        for (const earlier of ops.slice(0, n + 1)) apply(freshBehind, earlier);
        expect(askedBehind).toEqual(shares(freshBehind, today - 6 * DAY));
        nonZero += [...asked, ...askedBehind].filter((x) => x > 0 && x < 1).length;
      }
      // The shares compared are not all 0 or 1: the comparison sees counts that can be off by one.
      expect(nonZero).toBeGreaterThan(100);
    });
  }
});

describe("the peers' share of a name as of a cutoff days back", () => {
  it('drops a use pruned past the look-back, as a count from scratch does', () => {
    const D0 = T0;
    const row = (actor: string, start: number, resources: string[]): ActorActivityRow => ({
      actor_id: actor,
      role: 'support_agent',
      department: 'customer_care',
      granularity: 'hour',
      bucket_start: start,
      local_hour: 10,
      local_weekday: 1,
      events: 5,
      distinct_records: 5,
      peak_5m_distinct: 1,
      denied: 0,
      resource_types: resources,
      channels: ['support_console'],
      zones: ['office'],
    });
    const rows: ActorActivityRow[] = [row('p1', D0 + 10 * HOUR, ['customer', 'address'])];
    for (let d = 0; d < 8; d++) for (const actor of ['alice', 'p1', 'p2']) rows.push(row(actor, D0 + d * DAY + 11 * HOUR, ['customer']));
    rows.sort((a, b) => a.bucket_start - b.bucket_start);
    // As of two days in (a partition that far behind), p1's address use counts: 1 of alice's 2 peers.
    const cutoff = D0 + 2 * DAY;
    const live = new ActivityHistory(LOOKBACK, BAND);
    for (const r of rows.slice(0, -3)) live.add(r);
    const g = live.peerGroup('support_agent', 'customer_care');
    expect(live.shareUsing(g, 'alice', 'resource_types', 'address', cutoff)).toBe(0.5);
    // p1's next row prunes everything before its start less the look-back and slack: the address use goes.
    for (const r of rows.slice(-3)) live.add(r);
    const fresh = new ActivityHistory(LOOKBACK, BAND);
    for (const r of rows) fresh.add(r);
    const expected = fresh.shareUsing(fresh.peerGroup('support_agent', 'customer_care'), 'alice', 'resource_types', 'address', cutoff);
    expect(expected).toBe(0);
    expect(live.shareUsing(g, 'alice', 'resource_types', 'address', cutoff)).toBe(expected);
  });
});
