/**
 * `measure: distinct_customers`: distinct record refs (plus count-only
 * remainders) of the events `settings.counted` selects, in sliding windows.
 * Every actor's distinct-customer window (engine/state/distinct-window.ts)
 * already holds them, for the activity rows too: this measure only declares
 * its horizons there and reads them.
 *
 * With `count: <predicate>`, only the customers of the events the predicate
 * selects (e.g. `{ field: first_seen.resource_type, eq: true }`: the
 * customers read on a resource type new to the person). Those are kept in a
 * window of the rule's own, created with the actor's first selected event
 * (most actors never have one), and rebuilt by the restore's replay like
 * every window. No activity row records them, so such windows take fixed
 * limits (`limit`, `floor`), not baselines.
 */
import { comparison, fmt, leadingWindow } from '../alerts/wording.js';
import { predicate } from '../rules/schema-primitives.js';
import { DistinctWindow } from '../state/distinct-window.js';
import { refKey } from '../state/keys.js';
import type { CompiledMeasure, MeasureRuntime, RateMeasurePart, WindowLayout } from './rate-measure.js';
import type { Predicate } from '../rules/predicate.js';
import type { RateWindow } from '../rules/rule-set.js';

const VERBS: Readonly<Record<string, string>> = {
  read: 'read',
  search: 'searched',
  export: 'exported',
  update: 'updated',
  delete: 'deleted',
};

export const distinctCustomers: RateMeasurePart = {
  name: 'distinct_customers',
  fields: {
    /** Only the customers of the events this selects (a window of the rule's own, fixed limits). */
    count: predicate.optional(),
  },
  baselines: true,
  counts: 'customers',
  readsAfterActor: true,
  compile(ctx): CompiledMeasure {
    // The distinct-customer window keeps its counts per second (state/distinct-window.ts).
    ctx.horizons.forEach((ms, k) => {
      if (ms < 1000) ctx.problem(['windows', k, 'window'], 'a distinct_customers window is at least one second (its counts are kept per second)');
    });
    if (ctx.field('count') !== undefined) {
      const selected = ctx.predicate('count');
      const ruleId = ctx.ruleId;
      return {
        part: distinctCustomers,
        activityClass: null,
        distinctHorizons: [],
        noHistory: 'with `count`, the customers counted are only those of the selected events, which no activity row records: give the window a fixed `limit` (and `floor`), not a baseline',
        bind: (layout, windows) => selectedCustomers(ruleId, selected, layout, windows),
      };
    }
    return {
      part: distinctCustomers,
      activityClass: null,
      distinctHorizons: ctx.horizons,
      bind(layout, windows) {
        const index = windows.map((w) => layout.distinctIndex(w.horizonMs));
        return { observe: (st, k) => st.window.count(index[k] as number) };
      },
    };
  },
  phrase(a, f) {
    const lead = leadingWindow(f);
    const verb = VERBS[a.dominantAction()] ?? 'accessed';
    return `${verb} ${fmt(f.observed)} distinct customers in ${f.windowLabel}${lead ? comparison(f, lead) : ''}`;
  },
};

/** The customers of the events `selected` picks, in a window of the rule's own per actor (see the header). */
function selectedCustomers(ruleId: string, selected: Predicate, layout: WindowLayout, windows: readonly RateWindow[]): MeasureRuntime {
  // Keyed by rule id, never by rule object: a reload that keeps the rule keeps the window.
  const key = `${ruleId}\u0000customers`;
  const horizons = [...new Set(windows.map((w) => w.horizonMs))].sort((a, b) => a - b);
  const index = windows.map((w) => horizons.indexOf(w.horizonMs));
  return {
    accumulate(st, i) {
      if (!selected(i)) return;
      let w = st.measureState(key) as DistinctWindow | undefined;
      if (w === undefined) {
        w = new DistinctWindow(horizons, layout.exactDistinct);
        st.addMeasureState(key, w);
      }
      const e = i.e;
      w.advance(e.ts);
      for (const ref of e.record_refs) w.addRef(refKey(ref), e.ts);
      const remainder = e.record_count - e.record_refs.length;
      if (remainder > 0) w.addAnonymous(remainder, e.ts);
    },
    observe(st, k) {
      const w = st.measureState(key) as DistinctWindow | undefined;
      if (w === undefined) return 0;
      w.advance(st.watermark);
      return w.count(index[k] as number);
    },
  };
}
