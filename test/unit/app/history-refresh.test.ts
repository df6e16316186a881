import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { startHistoryRefresh } from '../../../src/runtime/app/history-refresh.js';
import type { ActorActivityRow, DetectionEngine } from '../../../src/runtime/engine/api.js';
import { createLogger } from '../../../src/observability/log.js';

describe('history refresh', () => {
  it('merges what any instance stored since the last look (with overlap), and survives a failed load', async () => {
    const clock = new ManualClock(1_000_000);
    const merged: (readonly ActorActivityRow[])[] = [];
    const asked: number[] = [];
    let fail = false;
    const row = { actor_id: 'a' } as ActorActivityRow;
    const engine = { mergeActivity: (rows: readonly ActorActivityRow[]) => void merged.push(rows) } as unknown as DetectionEngine;
    const refresher = startHistoryRefresh({
      engine,
      load: async (since) => {
        asked.push(since);
        if (fail) throw new Error('clickhouse down');
        return [row];
      },
      clock,
      logger: createLogger('silent'),
      intervalMs: 0,
    });
    await refresher.refreshNow(); // at 1,000,000: succeeds
    clock.advance(500_000);
    fail = true;
    await refresher.refreshNow(); // at 1,500,000: fails, so the next look starts where the last success did
    fail = false;
    await refresher.refreshNow(); // at 1,500,000: succeeds
    clock.advance(500_000);
    await refresher.refreshNow(); // at 2,000,000
    await refresher.stop();
    // Each look starts at the last successful look, minus a minute of overlap.
    expect(asked).toEqual([940_000, 940_000, 940_000, 1_440_000]);
    expect(merged).toEqual([[row], [row], [row]]);
  });
});
