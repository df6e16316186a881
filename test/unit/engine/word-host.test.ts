import { describe, expect, it } from 'vitest';
import { DistinctWindow } from '../../../src/runtime/engine/state/distinct-window.js';
import { SeenEvents } from '../../../src/runtime/engine/state/seen-events.js';
import { prng } from './support/prng.js';

const M5 = 300_000;
const H1 = 3_600_000;
const D1 = 86_400_000;
const T0 = Date.parse('2025-03-04T10:00:00Z');

/**
 * An actor's event ids live at the end of its window's array (word-host.ts).
 * Whatever either log does to the shared array (grow, shrink, trim, compact,
 * re-base, widen, a reload's new header, an index built or dropped), both
 * must answer exactly as they do with an array each.
 */
describe('a window and its event ids in one array', () => {
  for (const seed of [1, 2, 3]) {
    it(`answer as each alone would, over random adds, late events, expiry, caps and reloads (seed ${seed})`, () => {
      const rnd = prng(seed);
      const pick = (n: number): number => Math.floor(rnd() * n);
      let horizons = [M5, H1, D1];
      const sharedWindow = new DistinctWindow(horizons, 5_000);
      const sharedIds = new SeenEvents(400, sharedWindow);
      const ownWindow = new DistinctWindow(horizons, 5_000);
      const ownIds = new SeenEvents(400);
      const ids: string[] = [];
      let now = T0;
      for (let step = 0; step < 12_000; step++) {
        // Mostly minutes apart, sometimes hours (expiry, shrinking), now and then a day's silence (empty logs).
        const r = rnd();
        now += r < 0.9 ? pick(60_000) : r < 0.998 ? pick(3 * H1) : D1 + pick(D1);
        sharedWindow.advance(now);
        ownWindow.advance(now);
        const op = rnd();
        if (op < 0.5) {
          // A burst some days (past the index's threshold), a handful of refs others.
          const ref = pick(rnd() < 0.3 ? 2_000 : 60);
          const ts = now - (rnd() < 0.1 ? pick(M5) : 0);
          expect(sharedWindow.addRef(ref, ts)).toBe(ownWindow.addRef(ref, ts));
        } else if (op < 0.55) {
          const n = 1 + pick(30);
          sharedWindow.addAnonymous(n, now);
          ownWindow.addAnonymous(n, now);
        } else if (op < 0.95) {
          // A new id, or a redelivered one.
          const id = rnd() < 0.2 && ids.length > 0 ? (ids[pick(ids.length)] as string) : `e-${seed}-${step}`;
          const held = sharedIds.has(id);
          expect(held).toBe(ownIds.has(id));
          if (!held) {
            const ts = now - (rnd() < 0.1 ? pick(M5) : 0);
            sharedIds.add(id, ts);
            ownIds.add(id, ts);
            ids.push(id);
          }
        } else if (op < 0.998) {
          sharedIds.expire(now - D1 - 10 * 60_000);
          ownIds.expire(now - D1 - 10 * 60_000);
        } else {
          // A reload: another number of horizons (a new header) or one beyond a narrow offset (the wide layout).
          horizons = horizons.length === 3 ? (rnd() < 0.5 ? [M5, D1] : [H1, 2 * D1]) : [M5, H1, D1];
          sharedWindow.setHorizons(horizons);
          ownWindow.setHorizons(horizons);
        }
        for (let h = 0; h < horizons.length; h++) expect(sharedWindow.count(h)).toBe(ownWindow.count(h));
        expect(sharedIds.size).toBe(ownIds.size);
        if (step % 500 === 0) for (const id of ids.slice(-600)) expect(sharedIds.has(id)).toBe(ownIds.has(id));
      }
      // The ids' words are the window array's last ones: one typed array for both.
      expect(sharedWindow.guestWords).toBeGreaterThan(0);
      expect(sharedWindow.array.length).toBeGreaterThan(sharedWindow.guestWords);
    });
  }
});
