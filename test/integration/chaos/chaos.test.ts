/**
 * The chaos suite, as CI runs it: one stream of simulated traffic with known
 * incidents, consumed cleanly and, into another database and group, by real
 * `custos run` processes killed with SIGKILL at random points (one while its
 * partitions are being restored, one while a lagging partition catches up).
 * What analysts and receivers see must be the same: every event exactly once,
 * the same alerts with the same final revisions, every notification delivered
 * at least once and in order per alert. `npm run chaos` is the longer version.
 */
import { describe, expect, inject, it } from 'vitest';
import { runChaos } from '../../../src/tools/chaos/run-chaos.js';

describe('chaos: SIGKILLs at random points', () => {
  it('loses nothing, doubles nothing, and gives the alerts of a clean run', { timeout: 900_000 }, async () => {
    const report = await runChaos(
      { seed: Number(process.env.CUSTOS_CHAOS_SEED ?? 11), actors: 30, days: 8, partitions: 3, randomKills: 3 },
      {
        brokers: inject('kafkaBrokers'),
        clickhouseUrl: inject('clickhouseUrl'),
        clickhouseUsername: inject('clickhouseUsername'),
        clickhousePassword: inject('clickhousePassword'),
      },
    );
    // One kill mid-restore and one during the lagging partition's catch-up, beside the random ones.
    expect(report.faults).toHaveLength(5);
    expect(report.faults.some((f) => f.includes('partition assignment'))).toBe(true);
    expect(report.faults.some((f) => f.includes('catch-up'))).toBe(true);

    for (const run of [report.clean, report.chaos]) {
      expect(run.lost).toBe(0);
      expect(run.duplicatesVisible).toBe(0);
      expect(run.visible).toBe(report.events);
      expect(run.deliveries.undelivered).toEqual([]);
      expect(run.deliveries.outOfOrder).toEqual([]);
    }
    expect(report.clean.alerts).toBeGreaterThan(0);
    expect(report.alerts).toEqual({ missing: [], extra: [], differing: [] });
    expect(report.notifyDiff).toEqual({ missing: [], extra: [] });
  });
});
