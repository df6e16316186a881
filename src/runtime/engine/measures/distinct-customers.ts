/**
 * `measure: distinct_customers`: distinct record refs (plus count-only
 * remainders) of the events `settings.counted` selects, in sliding windows.
 * Every actor's distinct-customer window (engine/state/distinct-window.ts)
 * already holds them, for the activity rows too: this measure only declares
 * its horizons there and reads them.
 */
import { comparison, fmt, leadingWindow } from '../alerts/wording.js';
import type { CompiledMeasure, RateMeasurePart } from './rate-measure.js';

const VERBS: Readonly<Record<string, string>> = {
  read: 'read',
  search: 'searched',
  export: 'exported',
  update: 'updated',
  delete: 'deleted',
};

export const distinctCustomers: RateMeasurePart = {
  name: 'distinct_customers',
  fields: {},
  baselines: true,
  counts: 'customers',
  readsAfterActor: true,
  compile(ctx): CompiledMeasure {
    // The distinct-customer window keeps its counts per second (state/distinct-window.ts).
    ctx.horizons.forEach((ms, k) => {
      if (ms < 1000) ctx.problem(['windows', k, 'window'], 'a distinct_customers window is at least one second (its counts are kept per second)');
    });
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
