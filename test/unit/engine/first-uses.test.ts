import { describe, expect, it } from 'vitest';
import { FirstUses, type UseKind } from '../../../src/runtime/engine/baseline/first-uses.js';
import { prng } from './support/prng.js';

const H1 = 3_600_000;
const KINDS: readonly UseKind[] = ['resource_types', 'channels', 'zones'];

/** The Maps of spans the history held before (one per kind), as the model. */
class MapsOfSpans {
  readonly maps = new Map<UseKind, Map<string, { first: number; last: number }>>(KINDS.map((k) => [k, new Map()]));
  bump(kind: UseKind, name: string, at: number): void {
    const m = this.maps.get(kind) as Map<string, { first: number; last: number }>;
    const s = m.get(name);
    if (s === undefined) m.set(name, { first: at, last: at });
    else {
      if (at > s.last) s.last = at;
      if (at < s.first) s.first = at;
    }
  }
  usedWithin(kind: UseKind, name: string, firstBy: number, lastAfter: number): boolean {
    const s = this.maps.get(kind)?.get(name);
    return s !== undefined && s.first <= firstBy && s.last > lastAfter;
  }
  prune(before: number): void {
    for (const m of this.maps.values()) {
      for (const [k, s] of m) {
        if (s.last < before) m.delete(k);
        else if (s.first < before) s.first = before;
      }
    }
  }
}

describe('first and last uses of names', () => {
  // Seed 3 gives the actor 40 names: past the names searched in order, an index finds them (built, pruned, rebuilt).
  for (const seed of [1, 2, 3]) {
    it(`answer as Maps of spans did, over random uses, late rows and prunes (seed ${seed})`, () => {
      const rnd = prng(seed);
      const pick = (n: number): number => Math.floor(rnd() * n);
      const held = new FirstUses();
      const model = new MapsOfSpans();
      // The same name under two kinds is two names (a zone and a channel may share a word).
      const names = ['customer', 'order', 'api', 'office', 'vpn', 'export', 'payment', 'support_console'];
      if (seed === 3) for (let n = 0; n < 32; n++) names.push(`type-${n}`);
      let now = Date.parse('2025-03-04T10:00:00Z');
      for (let step = 0; step < 5_000; step++) {
        const op = rnd();
        if (op < 0.7) {
          now += pick(3) * H1;
          // A late row now and then: a restore brings older buckets after newer ones.
          const at = rnd() < 0.1 ? now - pick(72) * H1 : now;
          const kind = KINDS[pick(3)] as UseKind;
          const name = names[pick(names.length)] as string;
          held.bump(kind, name, at);
          model.bump(kind, name, at);
        } else if (op < 0.75) {
          const before = now - pick(200) * H1 - pick(H1);
          held.prune(before);
          model.prune(before);
        }
        for (const kind of KINDS) {
          for (const name of names) {
            const firstBy = now - pick(100) * H1;
            const lastAfter = firstBy - pick(300) * H1;
            expect(held.usedWithin(kind, name, firstBy, lastAfter)).toBe(model.usedWithin(kind, name, firstBy, lastAfter));
          }
        }
      }
    });
  }
});
