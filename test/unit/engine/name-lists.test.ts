import { describe, expect, it } from 'vitest';
import { NO_NAMES, withName } from '../../../src/runtime/engine/state/name-lists.js';
import { ActivityBucket } from '../../../src/runtime/engine/state/activity.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';

/** A name string of its own (not the literal's instance), as each decoded event brings. */
const fresh = (s: string): string => [...s].join('');

describe('name lists', () => {
  it('gives buckets that used the same names in the same order one shared list, with the names in order of first use', () => {
    const a = withName(withName(withName(NO_NAMES, fresh('customer')), fresh('order')), fresh('customer'));
    const b = withName(withName(NO_NAMES, fresh('customer')), fresh('order'));
    expect(a).toEqual(['customer', 'order']);
    expect(b).toBe(a);
    expect(withName(withName(NO_NAMES, 'order'), 'customer')).toEqual(['order', 'customer']);
    // What a bucket's row reports is unchanged: sorted names.
    const bucket = (zone: string): ActivityBucket => {
      const k = new ActivityBucket('hour', Date.parse('2025-03-04T10:00:00Z'));
      const e = { outcome: 'success', resource_type: fresh('customer'), channel: fresh('api'), network: { zone: fresh(zone) } } as unknown as EnrichedEvent;
      k.record(e, 1, 1, 1);
      return k;
    };
    const x = bucket('office');
    const y = bucket('office');
    expect(y.zones).toBe(x.zones);
    expect(y.resourceTypes).toBe(x.resourceTypes);
    expect(x.toRow({ actor_id: 'a', role: 'r', department: 'd', timezone: 'UTC' }).zones).toEqual(['office']);
  });

  it('past the lists it shares, gives lists of their own, still exact', () => {
    const lists: (readonly string[])[] = [];
    for (let i = 0; i < 6_000; i++) lists.push(withName(withName(NO_NAMES, 'base'), `name-${i}`));
    lists.forEach((l, i) => expect(l).toEqual(['base', `name-${i}`]));
    // The last ones were not shared: asked again, an equal list, another array.
    const again = withName(withName(NO_NAMES, 'base'), 'name-5999');
    expect(again).toEqual(lists[5_999]);
    expect(again).not.toBe(lists[5_999]);
    expect(withName(withName(NO_NAMES, 'base'), 'name-0')).toBe(lists[0]);
  });
});
