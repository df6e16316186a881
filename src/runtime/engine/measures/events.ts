/**
 * `measure: events`: the number of requests in sliding event-time windows,
 * one counter per actor, rule and horizon, created with the first counted
 * event. Which requests: those of `count: <predicate>` (e.g. denied
 * outcomes), or of `class: <name>`, an activity class of the settings (e.g.
 * exports). A class's requests are also counted in every activity bucket, so
 * its windows may judge against a baseline of that class (metric
 * `day_events` / `hour_events` with the same `class`): a day of many small
 * exports by someone who never exports is judged against their exports, not
 * lost among their ordinary reads. A `count` predicate has no stored
 * history: its windows take fixed limits.
 */
import { z } from 'zod';
import { fmt, leadingWindow } from '../alerts/wording.js';
import { predicate } from '../rules/schema-primitives.js';
import type { Predicate } from '../rules/predicate.js';
import { EventCountWindow } from '../state/event-count-window.js';
import type { CompiledMeasure, RateMeasurePart } from './rate-measure.js';

/** Until compile reported the missing predicate. */
const NONE: Predicate = () => false;

export const eventCount: RateMeasurePart = {
  name: 'events',
  fields: {
    /** Which events are counted (or `class`). */
    count: predicate.optional(),
    /** An activity class of the settings: its requests are counted, and its baselines exist. */
    class: z.string().min(1).optional(),
  },
  baselines: true,
  counts: 'requests',
  readsAfterActor: false,
  compile(ctx): CompiledMeasure {
    const className = ctx.field('class') as string | undefined;
    let counted = NONE;
    if (className !== undefined) {
      if (ctx.field('count') !== undefined) ctx.problem(['count'], 'give `count` or `class`, not both: a class is its own predicate');
      const when = ctx.activityClass(className);
      if (when === undefined) ctx.problem(['class'], `unknown activity class \`${className}\` (settings.activity_classes)`);
      else counted = when;
    } else if (ctx.field('count') !== undefined) counted = ctx.predicate('count');
    else ctx.problem(['measure'], 'measure `events` needs `count` (the predicate selecting counted events) or `class` (an activity class)');
    const ruleId = ctx.ruleId;
    return {
      part: eventCount,
      distinctHorizons: [],
      activityClass: className ?? null,
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
