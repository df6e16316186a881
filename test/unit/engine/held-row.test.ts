import { describe, expect, it } from 'vitest';
import { ActivityHistory } from '../../../src/runtime/engine/baseline/history.js';
import { sharedNames } from '../../../src/runtime/engine/baseline/held-row.js';
import type { ActorActivityRow } from '../../../src/runtime/engine/index.js';
import { T0 } from './support/enrich.js';
import { hourlyRows } from './support/history.js';

const BAND = { start: 8, end: 19, weekend_days: [6, 7] };

/** A row as ClickHouse hands it back: every list and string its own copy. */
function parsed(row: ActorActivityRow, changes: Partial<ActorActivityRow> = {}): ActorActivityRow {
  return JSON.parse(JSON.stringify({ ...row, ...changes })) as ActorActivityRow;
}

describe('the rows the baselines hold', () => {
  it('share their name lists and strings between rows and actors, and equal the rows given, field for field', () => {
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
    const alice = h.actor('alice')?.hourly ?? [];
    const bob = h.actor('bob')?.hourly ?? [];
    expect([...alice, ...bob]).toEqual(given);
    const [x, y] = alice as [ActorActivityRow, ActorActivityRow];
    const [z] = bob as [ActorActivityRow];
    // One array for the same names, whichever row or actor holds them; another for other names.
    expect(x.resource_types).toBe(y.resource_types);
    expect(x.resource_types).toBe(z.resource_types);
    expect(x.zones).toBe(z.zones);
    expect(x.class_names).toBe(z.class_names);
    expect(x.channels).not.toBe(z.channels);
    // The history's strings, not one copy per row.
    expect(x.actor_id).toBe(h.actor('alice')?.actorId);
    expect(Object.isFrozen(x.resource_types)).toBe(true);
  });

  it('a replacing row (merge of a newer close of the bucket) is held the same way', () => {
    const h = new ActivityHistory(28 * 86_400_000, BAND);
    const [row] = hourlyRows('alice', { days: 1, peak5m: 30, before: T0 }) as [ActorActivityRow];
    h.add(parsed(row, { zones: ['office'] }));
    const newer = parsed(row, { events: row.events + 5, zones: ['office'] });
    expect(h.merge(newer)).toBe('replaced');
    const held = h.actor('alice')?.hourly[0];
    expect(held).toEqual(newer);
    expect(held?.zones).toBe(sharedNames(['office']));
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
