/**
 * The chaos report tells the one difference ARCHITECTURE.md documents (an
 * actor on another partition judged against group baselines while the late
 * partition's later events were not produced yet) from a defect. Fixtures are
 * the shape of the `alerts_latest` rows the report compares (explanation and
 * state as JSON text), with the figures `npm run chaos --seed 2` showed.
 */
import { describe, expect, it } from 'vitest';
import { diffAlerts, documentedDifference, judgeDifference, type LagContext } from '../../../src/tools/chaos/compare.js';

const HELD_FROM = Date.parse('2026-03-16T00:00:00Z');
const lag: LagContext = { lagging: 0, heldFromTs: HELD_FROM, partitionOf: (a) => ({ 'emp-1': 1, 'emp-0': 0 })[a], groupMarginMs: 86_400_000 };

function alert(o: {
  actor?: string;
  firstMs?: number;
  orgSamples: number;
  limit: number;
  observed?: number;
  revision?: number;
  peerSamples?: number;
  /** The window's deciding source and its usual level (the chosen step's median). */
  source?: string;
  usual?: number;
}): Record<string, unknown> {
  const usual = o.usual ?? 41;
  const windows = [
    { observed: o.observed ?? 300, limit: o.limit, baseline_source: o.source ?? 'own', usual, ratio: Math.round(((o.observed ?? 300) / usual) * 100) / 100, spread: 0.8, org: { samples: o.orgSamples, median: 41 }, peers: { samples: o.peerSamples ?? 50 } },
  ];
  return {
    alert_id: 'al-1',
    actor_id: o.actor ?? 'emp-1',
    revision: o.revision ?? 23,
    first_event_ts_ms: String(o.firstMs ?? Date.parse('2026-03-23T10:37:35Z')),
    explanation: JSON.stringify({ findings: [{ rule: 'p' }, { rule: 'r', windows }] }),
    // The state's decision keeps the decider as `source`, with the usual level and its log beside it.
    state: JSON.stringify({ findings: [{}, { windows: [{ decision: { limit: o.limit, source: o.source ?? 'own', usual, logUsual: Math.log(usual + 1), org: { samples: o.orgSamples } } }] }] }),
  };
}

const clean = alert({ orgSamples: 439, limit: 271.97 });

describe('chaos: documented differences', () => {
  it('an actor of another partition, after the hold, differing only in organisation-baseline figures: documented', () => {
    const chaos = alert({ orgSamples: 244, limit: 185.16 });
    expect(diffAlerts(new Map([['al-1', clean]]), new Map([['al-1', chaos]])).differing).toHaveLength(1);
    expect(documentedDifference(clean, chaos, lag)).toMatch(/actor emp-1 \(partition 1\) was judged against the organisation-wide prior as of 2026-03-22T00:00:00.000Z, after 2026-03-16T00:00:00.000Z, while partition 0's events/);
  });

  it('where the prior decided the window (baseline_source org), its usual level and the ratio to it differ with it, in the explanation and the state: documented', () => {
    const reference = alert({ orgSamples: 448, limit: 325.49, source: 'org', usual: 9 });
    expect(documentedDifference(reference, alert({ orgSamples: 253, limit: 669.84, source: 'org', usual: 10 }), lag)).toMatch(/documented limit/);
    // Decided by the peers, a different usual level is the peers': a defect, whatever the prior's figures say.
    const byPeers = alert({ orgSamples: 448, limit: 325.49, source: 'peers', usual: 9 });
    expect(documentedDifference(byPeers, alert({ orgSamples: 253, limit: 669.84, source: 'peers', usual: 10 }), lag)).toBeNull();
    // ...and so is a source that differs between the runs.
    expect(documentedDifference(reference, alert({ orgSamples: 253, limit: 669.84, source: 'peers', usual: 10 }), lag)).toBeNull();
  });

  it('anything else is a defect: another observed value, a revision, the late partition itself, or before the hold', () => {
    expect(documentedDifference(clean, alert({ orgSamples: 244, limit: 185.16, observed: 301 }), lag)).toBeNull();
    expect(documentedDifference(clean, alert({ orgSamples: 244, limit: 185.16, revision: 24 }), lag)).toBeNull();
    expect(documentedDifference(alert({ actor: 'emp-0', orgSamples: 439, limit: 271.97 }), alert({ actor: 'emp-0', orgSamples: 244, limit: 185.16 }), lag)).toBeNull();
    const early = Date.parse('2026-03-15T09:00:00Z');
    expect(documentedDifference(alert({ firstMs: early, orgSamples: 439, limit: 271.97 }), alert({ firstMs: early, orgSamples: 244, limit: 185.16 }), lag)).toBeNull();
    expect(documentedDifference(clean, clean, lag)).toBeNull();
    // Peers and roles are on the actor's own partition: a difference there is a defect, with or without the prior's.
    expect(documentedDifference(clean, alert({ orgSamples: 244, limit: 185.16, peerSamples: 49 }), lag)).toBeNull();
    // The limit alone, no figure of the prior: not explained by it.
    expect(documentedDifference(clean, alert({ orgSamples: 439, limit: 185.16 }), lag)).toBeNull();
    // Events within a margin after the hold read a cutoff before it, when the rows were complete.
    const soon = HELD_FROM + 12 * 3_600_000;
    expect(documentedDifference(alert({ firstMs: soon, orgSamples: 439, limit: 271.97 }), alert({ firstMs: soon, orgSamples: 244, limit: 185.16 }), lag)).toBeNull();
  });

  it('says why an alert is not the documented limit, for the report', () => {
    const onLate = judgeDifference(alert({ actor: 'emp-0', orgSamples: 439, limit: 271.97 }), alert({ actor: 'emp-0', orgSamples: 244, limit: 185.16 }), lag);
    expect(onLate).toEqual({ documented: false, reason: 'actor emp-0 is on the late partition 0 itself' });
    const early = Date.parse('2026-03-15T09:00:00Z');
    expect(judgeDifference(alert({ firstMs: early, orgSamples: 439, limit: 271.97 }), alert({ firstMs: early, orgSamples: 244, limit: 185.16 }), lag).reason).toBe(
      "actor emp-1's first event read group baselines as of 2026-03-14T00:00:00.000Z, not after the hold at 2026-03-16T00:00:00.000Z",
    );
    expect(judgeDifference(clean, alert({ orgSamples: 244, limit: 185.16, peerSamples: 49 }), lag).reason).toMatch(/^figures the organisation-wide prior does not set differ: explanation\.findings\.1\.windows\.0\.peers\.samples/);
    expect(judgeDifference(clean, alert({ orgSamples: 244, limit: 185.16, revision: 24 }), lag).reason).toBe("fields beyond the baselines' figures differ: revision");
    expect(judgeDifference(clean, alert({ orgSamples: 244, limit: 185.16 }), lag).documented).toBe(true);
  });
});
