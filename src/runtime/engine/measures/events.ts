/**
 * `measure: events` with `count: <predicate>`: the number of events the
 * predicate selects (e.g. denied outcomes) in sliding event-time windows, one
 * counter per actor, rule and horizon, created with the first counted event.
 */
import { fmt, leadingWindow } from '../alerts/wording.js';
import { predicate } from '../rules/schema-primitives.js';
import { EventCountWindow } from '../state/event-count-window.js';
import type { CompiledMeasure, RateMeasurePart } from './rate-measure.js';

export const eventCount: RateMeasurePart = {
  name: 'events',
  fields: {
    /** Which events are counted (required for this measure). */
    count: predicate.optional(),
  },
  baselines: false,
  readsAfterActor: false,
  compile(ctx): CompiledMeasure {
    if (ctx.field('count') === undefined) ctx.problem(['measure'], 'measure `events` needs `count`: the predicate selecting counted events');
    const counted = ctx.field('count') === undefined ? () => false : ctx.predicate('count');
    const ruleId = ctx.ruleId;
    return {
      part: eventCount,
      distinctHorizons: [],
      bind(_layout, windows) {
        // Keyed by rule id and horizon, never by rule object: a reload that keeps them keeps the counts.
        const keys = windows.map((w) => `${ruleId}\u0000${w.horizonMs}`);
        return {
          accumulate(st, i) {
            if (!counted(i)) return;
            for (let k = 0; k < windows.length; k++) {
              const key = keys[k] as string;
              let c = st.measureState(key) as EventCountWindow | undefined;
              if (c === undefined) {
                c = new EventCountWindow((windows[k] as (typeof windows)[number]).horizonMs);
                st.addMeasureState(key, c);
              }
              c.add(i.e.ts);
            }
          },
          observe(st, k) {
            const c = st.measureState(keys[k] as string) as EventCountWindow | undefined;
            return c === undefined ? 0 : c.count(st.watermark);
          },
        };
      },
    };
  },
  phrase(_a, f, ruleTitle) {
    const lead = leadingWindow(f);
    return `${fmt(f.observed)} ${ruleTitle} in ${f.windowLabel}${lead ? `, above the limit of ${fmt(lead.decision.limit)}` : ''}`;
  },
};
