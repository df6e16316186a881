/**
 * The simulator: organisation + scenario plan + a streaming, time-ordered merge
 * of every actor's day-by-day traffic and the incidents' events. Nothing but
 * one day of one actor (and the incidents, which are small) is held in memory,
 * so millions of events can be streamed.
 */
import { generateActorDay, rampEndDay, type DayContext } from './behaviour.js';
import { CustomerPool } from './customers.js';
import {
  INCIDENT_WINDOW_MS,
  LOOKALIKE_WINDOW_MS,
  type Plan,
  generateIncident,
  planScenario,
} from './incidents.js';
import { type SimActor, buildOrganisation, directoryCsv } from './org.js';
import { DAY, formatWithOffset, parseStartDate } from './time.js';
import type {
  IncidentLabel,
  IncidentScenario,
  LookalikeLabel,
  SimCounts,
  SimEvent,
  SimLabels,
} from './types.js';
import { isAllowedIncidentType } from './types.js';
import type { WireEvent } from './wire.js';

export interface SimConfig {
  readonly seed: number;
  /** Number of actors (people and service accounts). Default 300. */
  readonly actors?: number;
  /** Simulated days. Default 28. */
  readonly days?: number;
  /** First day (UTC date, `YYYY-MM-DD`). Default 2026-03-09 (a Monday; the 1st of April falls in the evaluation period). */
  readonly start?: string;
  /** `default`: two of each classic incident type after the history period; `allowed`: two of each policy-allowed type; `none`; or explicit specs. */
  readonly incidents?: IncidentScenario;
  /** Plant the labeled look-alikes (default true). */
  readonly lookalikes?: boolean;
  /** Benign-only history before the first incident, in days. Default min(14, days/2). */
  readonly historyDays?: number;
  /** Customer population. Default 200 000. */
  readonly customers?: number;
}

export interface ResolvedSimConfig {
  readonly seed: number;
  readonly actors: number;
  readonly days: number;
  readonly start: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly historyDays: number;
  readonly customers: number;
  readonly incidents: IncidentScenario;
  readonly lookalikes: boolean;
}

export const DEFAULT_START = '2026-03-09';

export function resolveConfig(cfg: SimConfig): ResolvedSimConfig {
  if (!Number.isInteger(cfg.seed)) throw new Error(`seed must be an integer, got ${cfg.seed}`);
  const days = cfg.days ?? 28;
  if (!Number.isInteger(days) || days < 1) throw new Error(`days must be a positive integer, got ${days}`);
  const actors = cfg.actors ?? 300;
  const startMs = parseStartDate(cfg.start ?? DEFAULT_START);
  const historyDays = cfg.historyDays ?? Math.min(14, Math.floor(days / 2));
  return {
    seed: cfg.seed,
    actors,
    days,
    start: new Date(startMs).toISOString().slice(0, 10),
    startMs,
    endMs: startMs + days * DAY,
    historyDays,
    customers: cfg.customers ?? 200_000,
    incidents: cfg.incidents ?? 'default',
    lookalikes: cfg.lookalikes ?? true,
  };
}

export interface Simulation {
  readonly config: ResolvedSimConfig;
  readonly actors: readonly SimActor[];
  /** actors.csv content: the directory snapshot, valid for the whole period. */
  readonly directoryCsv: string;
  readonly plan: Plan;
  /** A fresh, deterministic pass over the events; labels are complete once it is exhausted. */
  stream(): SimStream;
}

export function createSimulation(cfg: SimConfig): Simulation {
  const config = resolveConfig(cfg);
  const actors = buildOrganisation(config.seed, config.actors, config.days);
  const plan = planScenario({
    seed: config.seed,
    startMs: config.startMs,
    days: config.days,
    historyDays: config.historyDays,
    actors,
    incidents: config.incidents,
    lookalikes: config.lookalikes,
  });
  const customers = new CustomerPool(config.customers);
  return {
    config,
    actors,
    directoryCsv: directoryCsv(actors),
    plan,
    stream: () => new SimStream(config, actors, plan, customers),
  };
}

interface Source {
  next(): SimEvent | undefined;
}

function arraySource(events: readonly SimEvent[]): Source {
  let i = 0;
  return { next: () => events[i++] };
}

function actorSource(ctx: DayContext, a: SimActor, firstDay: number, lastDay: number): Source {
  let day = firstDay;
  let buf: SimEvent[] = [];
  let i = 0;
  return {
    next(): SimEvent | undefined {
      while (i >= buf.length) {
        if (day > lastDay) return undefined;
        buf = generateActorDay(ctx, a, day++);
        i = 0;
      }
      return buf[i++];
    },
  };
}

interface HeapItem {
  ev: SimEvent;
  src: number;
}

/** Binary min-heap on (ts, source index): deterministic merge order. */
class Heap {
  private readonly items: HeapItem[] = [];
  get size(): number {
    return this.items.length;
  }
  private less(a: HeapItem, b: HeapItem): boolean {
    return a.ev.ts < b.ev.ts || (a.ev.ts === b.ev.ts && a.src < b.src);
  }
  push(x: HeapItem): void {
    const it = this.items;
    it.push(x);
    let i = it.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(it[i] as HeapItem, it[p] as HeapItem)) break;
      [it[i], it[p]] = [it[p] as HeapItem, it[i] as HeapItem];
      i = p;
    }
  }
  pop(): HeapItem | undefined {
    const it = this.items;
    const top = it[0];
    const last = it.pop();
    if (it.length > 0 && last) {
      it[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < it.length && this.less(it[l] as HeapItem, it[m] as HeapItem)) m = l;
        if (r < it.length && this.less(it[r] as HeapItem, it[m] as HeapItem)) m = r;
        if (m === i) break;
        [it[i], it[m]] = [it[m] as HeapItem, it[i] as HeapItem];
        i = m;
      }
    }
    return top;
  }
}

function renderTs(e: SimEvent): string | number {
  switch (e.tsStyle) {
    case 'epoch':
      return e.ts;
    case 'offset':
      return formatWithOffset(e.ts, e.tz);
    default:
      return new Date(e.ts).toISOString();
  }
}

const pad = (n: number): string => String(n).padStart(9, '0');

/** Turns an internal event into its wire form. */
export function toWire(e: SimEvent, eventId: string): WireEvent {
  const w: WireEvent = {
    event_id: eventId,
    ts: renderTs(e),
    actor_id: e.actor_id,
    action: e.action,
    resource_type: e.resource_type,
    fields: [...e.fields],
    outcome: e.outcome,
  };
  if (e.records !== undefined) w.record_ids = e.records.map(CustomerPool.id);
  if (e.record_count !== undefined) w.record_count = e.record_count;
  else if (e.records === undefined) w.record_count = 0;
  if (e.channel !== undefined) w.channel = e.channel;
  if (e.source_ip !== undefined) w.source_ip = e.source_ip;
  if (e.session_id !== undefined) w.session_id = e.session_id;
  if (e.user_agent !== undefined) w.user_agent = e.user_agent;
  if (e.ticket_id !== undefined) w.ticket_id = e.ticket_id;
  return w;
}

interface TagAcc {
  first: number;
  last: number;
  ids: string[];
}

/**
 * One pass over the simulated events, in event-time order. Iterate it (it is
 * its own iterator); `labels()` is available once the iteration is complete.
 */
export class SimStream implements IterableIterator<WireEvent> {
  private readonly heap = new Heap();
  private readonly sources: Source[] = [];
  private readonly lastTs: number[] = [];
  private seq = 0;
  private done = false;
  private readonly tags = new Map<string, TagAcc>();
  private readonly incidentIds: Set<string>;
  private readonly roleOf = new Map<string, string>();
  private readonly byRole: Record<string, number> = {};
  private readonly byAction: Record<string, number> = {};
  private readonly benignDays = new Set<number>();
  private readonly withTraffic = new Set<string>();
  private readonly incidentDescriptions = new Map<string, string>();
  private incidentEvents = 0;
  private benignDaysEval = 0;
  private lookalikeEvents = 0;
  /** The tag (incident / look-alike id) of the event last returned, if any. */
  lastTag: string | undefined;

  constructor(
    private readonly config: ResolvedSimConfig,
    private readonly actors: readonly SimActor[],
    private readonly plan: Plan,
    customers: CustomerPool,
  ) {
    const la = new Map<string, { id: string; type: string; factor?: number }>();
    const growth = new Map<number, number>();
    for (const l of plan.lookalikes) {
      for (const d of l.days) la.set(`${l.actor.index}:${d}`, { id: l.id, type: l.type, ...(l.factor !== undefined && { factor: l.factor }) });
      if (l.type === 'batch_growth' && l.factor !== undefined) growth.set(l.actor.index, l.factor);
    }
    const ctx: DayContext = {
      seed: config.seed,
      startMs: config.startMs,
      customers,
      lookalike: (i, d) => la.get(`${i}:${d}`),
      batchGrowth: (i) => growth.get(i) ?? 0,
    };
    this.incidentIds = new Set(plan.incidents.map((i) => i.id));
    for (const a of actors) {
      this.roleOf.set(a.actor_id, a.role);
      if (!Number.isFinite(a.activeFromDay)) continue;
      // Local days overlapping the UTC window: one day of margin either side, clipped on output.
      this.sources.push(actorSource(ctx, a, -1, config.days));
    }
    for (const inc of plan.incidents) {
      const out = generateIncident({ seed: config.seed, customers, startMs: config.startMs }, inc);
      this.incidentDescriptions.set(inc.id, out.description);
      this.sources.push(arraySource(out.events));
    }
    this.sources.forEach((_, i) => {
      this.lastTs.push(Number.NEGATIVE_INFINITY);
      this.refill(i);
    });
  }

  private refill(src: number): void {
    const s = this.sources[src] as Source;
    for (;;) {
      const ev = s.next();
      if (!ev) return;
      if (ev.ts < (this.lastTs[src] as number)) throw new Error(`simulator bug: source ${src} is not time-ordered`);
      this.lastTs[src] = ev.ts;
      if (ev.ts < this.config.startMs || ev.ts >= this.config.endMs) continue;
      this.heap.push({ ev, src });
      return;
    }
  }

  [Symbol.iterator](): IterableIterator<WireEvent> {
    return this;
  }

  next(): IteratorResult<WireEvent> {
    const top = this.heap.pop();
    if (!top) {
      this.done = true;
      this.lastTag = undefined;
      return { done: true, value: undefined };
    }
    this.refill(top.src);
    const e = top.ev;
    const id = `ev-${this.config.seed}-${pad(++this.seq)}`;
    const w = toWire(e, id);
    this.account(e, id);
    this.lastTag = e.tag;
    return { done: false, value: w };
  }

  private account(e: SimEvent, id: string): void {
    const role = this.roleOf.get(e.actor_id) ?? 'unknown';
    this.byRole[role] = (this.byRole[role] ?? 0) + 1;
    this.byAction[e.action] = (this.byAction[e.action] ?? 0) + 1;
    this.withTraffic.add(e.actor_id);
    const isIncident = e.tag !== undefined && this.incidentIds.has(e.tag);
    if (isIncident) this.incidentEvents++;
    else {
      const day = Math.floor((e.ts - this.config.startMs) / DAY);
      const key = this.actorNumber(e.actor_id) * 100_000 + day;
      if (!this.benignDays.has(key)) {
        this.benignDays.add(key);
        if (day >= this.config.historyDays) this.benignDaysEval++;
      }
      if (e.tag !== undefined) this.lookalikeEvents++;
    }
    if (e.tag !== undefined) {
      let acc = this.tags.get(e.tag);
      if (!acc) {
        acc = { first: e.ts, last: e.ts, ids: [] };
        this.tags.set(e.tag, acc);
      }
      acc.last = e.ts;
      acc.ids.push(id);
    }
  }

  private readonly actorNumbers = new Map<string, number>();
  private actorNumber(id: string): number {
    let n = this.actorNumbers.get(id);
    if (n === undefined) {
      n = this.actorNumbers.size;
      this.actorNumbers.set(id, n);
    }
    return n;
  }

  /** Events emitted so far. */
  get emitted(): number {
    return this.seq;
  }

  counts(): SimCounts {
    return {
      events: this.seq,
      incident_events: this.incidentEvents,
      lookalike_events: this.lookalikeEvents,
      by_role: { ...this.byRole },
      by_action: { ...this.byAction },
      actors: this.actors.length,
      actors_with_traffic: this.withTraffic.size,
      benign_actor_days: this.benignDays.size,
      benign_actor_days_eval: this.benignDaysEval,
    };
  }

  /** Ground truth of the pass. Throws before the stream is exhausted. */
  labels(): SimLabels {
    if (!this.done) throw new Error('labels are complete only after the stream is exhausted');
    const iso = (ms: number): string => new Date(ms).toISOString();
    const incidents: IncidentLabel[] = [];
    for (const inc of this.plan.incidents) {
      const acc = this.tags.get(inc.id);
      if (!acc) continue; // entirely outside the simulated window
      incidents.push({
        id: inc.id,
        type: inc.type,
        actor_id: inc.actor.actor_id,
        actor_role: inc.actor.role,
        start_ms: acc.first,
        end_ms: acc.last,
        start: iso(acc.first),
        end: iso(acc.last),
        window_ms: INCIDENT_WINDOW_MS[inc.type],
        policy_allowed: isAllowedIncidentType(inc.type),
        description: this.incidentDescriptions.get(inc.id) ?? '',
        event_ids: acc.ids,
      });
    }
    const lookalikes: LookalikeLabel[] = [];
    for (const l of this.plan.lookalikes) {
      const acc = this.tags.get(l.id);
      if (!acc) continue; // e.g. the actor happened to have no traffic on the planned day
      let end = acc.last;
      if (l.type === 'new_hire_ramp') end = Math.max(end, Math.min(this.config.endMs, this.config.startMs + rampEndDay(l.actor) * DAY) - 1);
      lookalikes.push({
        id: l.id,
        type: l.type,
        actor_id: l.actor.actor_id,
        actor_role: l.actor.role,
        start_ms: acc.first,
        end_ms: end,
        start: iso(acc.first),
        end: iso(end),
        window_ms: LOOKALIKE_WINDOW_MS[l.type],
        description: l.description,
        event_ids: acc.ids,
      });
    }
    return {
      version: 1,
      seed: this.config.seed,
      start: iso(this.config.startMs),
      days: this.config.days,
      evaluation_start: iso(this.config.startMs + this.config.historyDays * DAY),
      incidents,
      lookalikes,
      counts: this.counts(),
    };
  }
}
