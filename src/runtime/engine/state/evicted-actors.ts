/**
 * Actors whose window state the engine evicted under its cap (settings
 * engine.max_actors), so the pipeline rebuilds their state from ClickHouse
 * before their next event is evaluated. Compact: a 30-bit hash of the actor
 * id → the second (processing time) the actor was last active, 8 bytes a
 * slot. A hash shared by two ids only costs a needless rebuild (restoring is
 * additive and idempotent). An entry idle longer than the windows' retention
 * no longer counts: tick() would have dropped a held actor's state by then.
 */
import { IntMap, MISSING } from './int-map.js';
import { hashKey } from './keys.js';

const MINUTE = 60_000;
/** Seconds from 2038-01-19, as in distinct-window.ts: an int32 for 1970-2106. */
const EPOCH_SEC = 2_147_483_648;
const toSec = (ms: number): number => Math.floor(ms / 1000) - EPOCH_SEC;

export class EvictedActors {
  private map = new IntMap();
  private sweptAt = -Infinity;

  get size(): number {
    return this.map.size;
  }

  /** `lastSeenAt`: processing time of the actor's latest event (ActorState.lastSeenAt). */
  add(actorId: string, lastSeenAt: number): void {
    this.map.set(hashKey(actorId), toSec(lastSeenAt));
  }

  /** Evicted, and idle at `nowMs` for at most `retentionMs`. */
  has(actorId: string, nowMs: number, retentionMs: number): boolean {
    const sec = this.map.get(hashKey(actorId));
    return sec !== MISSING && toSec(nowMs) - sec <= retentionMs / 1000;
  }

  delete(actorId: string): void {
    if (this.map.size > 0) this.map.delete(hashKey(actorId));
  }

  /** Forgets actors last active before `beforeMs` (at most once per 15 minutes of processing time: a sweep visits every slot). */
  expire(beforeMs: number, nowMs: number): void {
    if (this.map.size === 0 || nowMs - this.sweptAt < 15 * MINUTE) return;
    this.sweptAt = nowMs;
    const cutoff = toSec(beforeMs);
    const old: number[] = [];
    this.map.forEach((key, sec) => {
      if (sec < cutoff) old.push(key);
    });
    for (const key of old) this.map.delete(key);
  }
}
