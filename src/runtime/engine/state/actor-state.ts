/**
 * Everything the engine holds for one actor. Keyed by actor id; the windows
 * inside are keyed by horizon (distinct customers) or by rule id + horizon
 * (measures with their own state), never by rule object, so a rule reload keeps them.
 */
import type { ActorProfile } from '../../../model/enriched.js';
import type { ActorHistory, HistoryGroup } from '../baseline/history.js';
import type { OpenAlert } from '../alerts/open-alert.js';
import { ActivityTracker } from './activity.js';
import { DistinctWindow } from './distinct-window.js';
import type { MeasureState } from '../measures/index.js';
import { SeenEvents } from './seen-events.js';
import { appended } from './exact-array.js';

export class ActorState {
  /** The actor's event time: the highest ts of its events added so far. */
  watermark = -Infinity;
  /**
   * Processing time (the engine's clock) at which the event that set the
   * watermark was evaluated (or the state was created). tick() estimates the
   * actor's event time now as watermark + (clock - lastSeenAt): an actor whose
   * backlog is being replayed at full speed is not idle, however old its events.
   */
  lastSeenAt = 0;
  /**
   * Processing time of the restore() that created this state, until the first
   * live event of the actor: while set, the actor's restored open alert may be
   * continued by the instance that owns it, so tick() leaves it open longer.
   */
  restoredAt: number | null = null;
  /**
   * Event time of the first event after a gap of a day or more (the start of
   * the current run of activity), and how long the actor had been silent
   * before it (0: unknown, e.g. no history): the `silent_days` fact.
   */
  runStart = -Infinity;
  silentBefore = 0;
  /** The engine's number of the last evaluate() whose events included this actor (never evicted in it). */
  batch = 0;
  readonly window: DistinctWindow;
  readonly seen: SeenEvents;
  readonly activity: ActivityTracker;
  /**
   * State of the rate measures that keep their own (measures/), keyed by rule
   * id + horizon; created with the first counted event. Pairs [key, state,
   * ...] in one array of exactly their length: an actor holds one or two, and
   * a Map of them cost about 250 bytes, this about 80 (measureState, addMeasureState).
   */
  measures: readonly (string | MeasureState)[] | null = null;
  /** The actor's open alert (one at a time: whatever fires merges into it). */
  alert: OpenAlert | null = null;
  /** The actor's last closed alert: a rate window that fires while still holding its events re-opens it. */
  lastClosed: OpenAlert | null = null;
  history: ActorHistory | undefined;

  constructor(
    readonly actorId: string,
    public profile: ActorProfile,
    public peerGroup: HistoryGroup,
    public roleGroup: HistoryGroup,
    horizons: readonly number[],
    caps: { readonly distinct: number; readonly eventIds: number },
  ) {
    this.window = new DistinctWindow(horizons, caps.distinct);
    // The event ids live at the end of the window's array (word-host.ts): one typed array per actor, not two.
    this.seen = new SeenEvents(caps.eventIds, this.window);
    this.activity = new ActivityTracker();
  }

  /** The state a measure keeps under `key`, if any. */
  measureState(key: string): MeasureState | undefined {
    const m = this.measures;
    if (m !== null) for (let i = 0; i < m.length; i += 2) if (m[i] === key) return m[i + 1] as MeasureState;
    return undefined;
  }

  /** Adds the state of a measure under a key it has none under yet. */
  addMeasureState(key: string, state: MeasureState): void {
    // Once per measure and actor: two copies are nothing beside the bytes an exact array saves.
    this.measures = appended<string | MeasureState>(appended<string | MeasureState>(this.measures ?? [], key), state);
  }

  get approxBytes(): number {
    let n = 300 + this.window.approxBytes + this.seen.approxBytes + this.activity.approxBytes;
    if (this.measures !== null) for (let i = 1; i < this.measures.length; i += 2) n += 40 + (this.measures[i] as MeasureState).approxBytes;
    if (this.alert !== null) n += this.alert.approxBytes;
    if (this.lastClosed !== null) n += this.lastClosed.approxBytes;
    return n;
  }
}
