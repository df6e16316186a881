/**
 * What a new (not late, not replayed) event adds to its actor's window state:
 * the distinct-customer window (every horizon a measure declared, plus the
 * 5-minute, hour and day windows the activity rows always report), the open
 * hour and day buckets, and the state of measures that keep their own
 * (measures/). Judging is not done here: the engine reads these windows
 * after every event is added.
 */
import type { DerivedFacts, EvalInput } from '../rules/fields.js';
import type { Predicate } from '../rules/predicate.js';
import type { ActivityClass } from '../rules/rule-set.js';
import type { MeasureRuntime, WindowLayout } from '../measures/index.js';
import type { ActorState } from './actor-state.js';
import { NONE, SKETCHED, toWindowSeconds } from './distinct-window.js';
import { refKey } from './keys.js';

/** The contract's `peak_5m_distinct` is always tracked, whatever the rules. */
const PEAK_HORIZON_MS = 5 * 60_000;
/** ... and the sliding hour's peak, for `peak_1h_distinct`. */
const HOUR_HORIZON_MS = 3_600_000;
/** Windows always remember a day, so day buckets learn "first touch today" from them. */
const DAY_HORIZON_MS = 86_400_000;

export class WindowAccumulator {
  /** Horizons (ms, ascending) every actor's distinct-customer window holds. */
  horizons: readonly number[] = [];
  private peakIndex = 0;
  private hourIndex = 0;
  private dayIndex = 0;
  private counted: Predicate = () => true;
  /** The settings' activity classes: each bucket counts their requests (one names array per rule set). */
  private classes: readonly Predicate[] = [];
  private classNames: readonly string[] = [];
  /** The bound measures that keep state of their own. */
  private measures: NonNullable<MeasureRuntime['accumulate']>[] = [];
  private readonly facts: DerivedFacts;

  /** `input` is the engine's per-event object (its event is the one being added). */
  constructor(private readonly input: EvalInput) {
    this.facts = input.f;
  }

  /** The window layout for a rule set: the measures' horizons and the ones the activity rows need. */
  layOut(measureHorizons: readonly number[], exactDistinct: number): WindowLayout & { readonly horizons: readonly number[] } {
    const horizons = [...new Set([...measureHorizons, PEAK_HORIZON_MS, HOUR_HORIZON_MS, DAY_HORIZON_MS])].sort((a, b) => a - b);
    this.horizons = horizons;
    this.peakIndex = horizons.indexOf(PEAK_HORIZON_MS);
    this.hourIndex = horizons.indexOf(HOUR_HORIZON_MS);
    this.dayIndex = horizons.indexOf(DAY_HORIZON_MS);
    return { horizons, distinctIndex: (ms) => horizons.indexOf(ms), exactDistinct };
  }

  /**
   * `counted`: which events' customers count (settings.counted); `classes`: the
   * settings' activity classes; `measures`: the rule set's bound measures.
   */
  configure(counted: Predicate, classes: readonly ActivityClass[], measures: readonly MeasureRuntime[]): void {
    this.counted = counted;
    this.classes = classes.map((c) => c.when);
    this.classNames = classes.map((c) => c.name);
    this.measures = measures.flatMap((m) => (m.accumulate === undefined ? [] : [m.accumulate]));
  }

  /**
   * Adds the input's event to the actor's windows (and, unless `bucketsToo`
   * is false, to its open buckets: a rebuilt actor's buckets come back
   * whole). Sets `facts.new_customers`.
   */
  add(st: ActorState, bucketsToo: boolean): void {
    const e = this.input.e;
    if (bucketsToo) st.activity.locate(e.ts);
    const hour = bucketsToo ? st.activity.hour : null;
    const day = bucketsToo ? st.activity.day : null;
    if (this.counted(this.input)) {
      const refs = e.record_refs;
      // A ref whose latest touch is before this second minus a day is new to the actor today.
      const dayAgo = toWindowSeconds(e.ts) - 86_400;
      let fresh = 0;
      for (let i = 0; i < refs.length; i++) {
        const k = refKey(refs[i] as string);
        const prev = st.window.addRef(k, e.ts);
        // In sketch mode the previous touch is unknown: counted as new (the conservative side).
        if (prev === NONE || prev === SKETCHED || prev < dayAgo) fresh++;
        if (hour === null || day === null) continue;
        if (prev === SKETCHED) {
          hour.distinct.addSketched(k);
          day.distinct.addSketched(k);
        } else {
          // First touch since the bucket started: a new distinct customer for it.
          if (prev < hour.startSec) hour.distinct.addNew();
          if (prev < day.startSec) day.distinct.addNew();
        }
      }
      // Count-only customers: once per event id (the caller checked it is new).
      const remainder = e.record_count - refs.length;
      if (remainder > 0) {
        fresh += remainder;
        st.window.addAnonymous(remainder, e.ts);
        hour?.distinct.addAnonymous(remainder);
        day?.distinct.addAnonymous(remainder);
      }
      this.facts.new_customers = fresh;
      if (hour !== null && e.record_count > hour.maxRequest) hour.maxRequest = e.record_count;
      if (day !== null && e.record_count > day.maxRequest) day.maxRequest = e.record_count;
    }
    if (hour !== null && day !== null) {
      const peak5m = st.window.count(this.peakIndex);
      const peak1h = st.window.count(this.hourIndex);
      const peak24h = st.window.count(this.dayIndex);
      hour.record(e, peak5m, peak1h, peak24h);
      day.record(e, peak5m, peak1h, peak24h);
      for (let c = 0; c < this.classes.length; c++) {
        if (!(this.classes[c] as Predicate)(this.input)) continue;
        hour.countClass(this.classNames, c);
        day.countClass(this.classNames, c);
      }
    }
    for (const accumulate of this.measures) accumulate(st, this.input);
  }
}
