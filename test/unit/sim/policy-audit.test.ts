import { describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../../src/runtime/engine/index.js';
import { createWireEventReader } from '../../../src/tools/replay/index.js';
import { auditSimulation, createPolicyAudit, simulationTables } from '../../../src/tools/sim/audit-simulation.js';
import { PolicyBreachError, type PolicyBreach } from '../../../src/tools/sim/policy-audit.js';
import { createSimulation } from '../../../src/tools/sim/simulator.js';
import { ALLOWED_INCIDENT_TYPES, ALLOWED_LOOKALIKE_TYPES, type IncidentSpec } from '../../../src/tools/sim/types.js';
import type { WireEvent } from '../../../src/tools/sim/wire.js';

const SCENARIO = { actors: 120, days: 24, start: '2026-03-16', historyDays: 14 } as const;
const RULES = 'rules';

/**
 * Streams a simulation through the audit, letting `tamper` change the events
 * of incidents (a deliberately broken incident); returns the breaches.
 */
function auditWith(
  seed: number,
  incidents: IncidentSpec[] | 'allowed',
  tamper: (w: WireEvent, tag: string | undefined, nth: number) => WireEvent[],
  tampered: (tag: string) => boolean = (tag) => tag.startsWith('inc-'),
): readonly PolicyBreach[] {
  const sim = createSimulation({ seed, ...SCENARIO, incidents, lookalikes: incidents === 'allowed' });
  const rules = loadRuleSet(RULES, { now: sim.config.startMs });
  const audit = createPolicyAudit(sim.plan, rules);
  const reader = createWireEventReader({ pseudonymKey: 'test-policy-audit-pseudonym-key-0000001', tables: simulationTables(sim.directoryCsv, 'rules/enrichment') });
  const stream = sim.stream();
  let nth = 0;
  for (const w of stream) {
    const tag = stream.lastTag;
    const out = tag !== undefined && tampered(tag) ? tamper(w, tag, nth++) : [w];
    for (const x of out) {
      if (!audit.watches(x.actor_id)) continue;
      const ev = reader.read(Buffer.from(JSON.stringify(x)), x.event_id);
      if (ev !== null) audit.observe(ev, tag);
    }
  }
  return audit.result();
}

describe('policy audit of policy-allowed incidents', () => {
  it('passes an untouched incident', () => {
    expect(auditWith(1, [{ type: 'offhours_allowed_network' }], (w) => [w])).toEqual([]);
  });

  it('catches an event from a network zone the role may not use, naming incident, event and clause', () => {
    let tampered = '';
    const breaches = auditWith(1, [{ type: 'offhours_allowed_network' }], (w, _tag, nth) => {
      if (nth !== 3) return [w];
      tampered = w.event_id;
      return [{ ...w, source_ip: '203.0.113.7' }];
    });
    expect(breaches).toHaveLength(1);
    const b = breaches[0] as PolicyBreach;
    expect(b).toMatchObject({ incident_id: 'inc-01-offhours_allowed_network', event_id: tampered, rule_id: 'policy.need-to-know.zone' });
    expect(b.clause).toMatch(/zone unknown/);
    const err = new PolicyBreachError(breaches);
    expect(err.message).toContain(`incident inc-01-offhours_allowed_network`);
    expect(err.message).toContain(`event ${tampered}`);
    expect(err.message).toMatch(/breaks policy\.need-to-know\.zone \(.*need-to-know\.yaml\): access from network zone unknown/);
  });

  it('catches an ungranted action, a request over the per-request limit and a missing ticket', () => {
    const breaches = auditWith(2, [{ type: 'moderate_burst' }], (w, _tag, nth) => {
      if (nth === 0) return [{ ...w, action: 'delete' }];
      if (nth === 1) return [{ ...w, record_count: 100_000 }];
      if (nth === 2 && w.channel === 'support_console') {
        const { ticket_id: _dropped, ...rest } = w;
        return [{ ...rest, action: 'read', resource_type: 'customer' }];
      }
      return [w];
    });
    const rules = new Set(breaches.map((b) => b.rule_id));
    expect(rules.has('policy.need-to-know.grant') || rules.has('policy.need-to-know.record-limit')).toBe(true);
    expect(breaches.every((b) => b.incident_id === 'inc-01-moderate_burst')).toBe(true);
    expect(breaches.length).toBeGreaterThanOrEqual(2);
  });

  it('catches an incident that pushes its actor over the daily budget', () => {
    // 8 extra requests of 50 fresh customers each, all within the per-request limit of the support roles.
    let next = 150_000;
    const breaches = auditWith(3, [{ type: 'multi_day_scrape' }], (w, _tag, nth) => {
      if (nth !== 10) return [w];
      const extra: WireEvent[] = [];
      for (let i = 0; i < 8; i++) {
        const ids = Array.from({ length: 50 }, () => `c-${String(next++).padStart(6, '0')}`);
        extra.push({ ...w, event_id: `${w.event_id}-x${i}`, action: 'search', record_ids: ids, record_count: 50 });
      }
      return [w, ...extra];
    });
    expect(breaches.map((b) => b.rule_id)).toContain('rate.budget.daily-distinct-customers');
    expect(breaches.find((b) => b.rule_id === 'rate.budget.daily-distinct-customers')?.incident_id).toBe('inc-01-multi_day_scrape');
  });

  it('holds look-alikes to the policy too: a busy day pushed over the daily budget is a breach of that look-alike', () => {
    // A look-alike is ordinary work; one over its role's budget would be an alert the monitor is right to raise.
    let next = 150_000;
    let busyDay = '';
    const breaches = auditWith(
      3,
      'allowed',
      (w, tag, nth) => {
        if (nth !== 5) return [w];
        busyDay = tag ?? '';
        const extra: WireEvent[] = [];
        for (let i = 0; i < 8; i++) {
          const ids = Array.from({ length: 50 }, () => `c-${String(next++).padStart(6, '0')}`);
          extra.push({ ...w, event_id: `${w.event_id}-x${i}`, action: 'search', record_ids: ids, record_count: 50 });
        }
        return [w, ...extra];
      },
      (tag) => tag.endsWith('-busy_day') && (busyDay === '' || tag === busyDay),
    );
    expect(busyDay).toMatch(/^la-\d+-busy_day$/);
    expect(breaches.filter((b) => b.rule_id === 'rate.budget.daily-distinct-customers').map((b) => b.incident_id)).toEqual([busyDay]);
  });

  it('every shipped policy-allowed kind passes over 10 seeds', { timeout: 600_000 }, () => {
    for (let seed = 1; seed <= 10; seed++) {
      const sim = createSimulation({ seed, ...SCENARIO, incidents: 'allowed' });
      const planted = new Set(sim.plan.incidents.map((i) => i.type));
      for (const t of ALLOWED_INCIDENT_TYPES) expect(planted.has(t), `seed ${seed}: ${t}`).toBe(true);
      const breaches = auditSimulation(sim, { rulesDir: RULES });
      expect(breaches.map((b) => `seed ${seed}: ${b.incident_id} ${b.rule_id} ${b.clause}`)).toEqual([]);
    }
  });

  it('labels the allowed incidents as policy-allowed and plants the allowed look-alikes', () => {
    const sim = createSimulation({ seed: 4, ...SCENARIO, incidents: 'allowed' });
    const stream = sim.stream();
    for (const _ of stream);
    const labels = stream.labels();
    expect(labels.incidents.length).toBe(2 * ALLOWED_INCIDENT_TYPES.length);
    for (const i of labels.incidents) expect(i.policy_allowed, i.id).toBe(true);
    const types = new Set(labels.lookalikes.map((l) => l.type));
    for (const t of ALLOWED_LOOKALIKE_TYPES) expect(types.has(t), t).toBe(true);
  });
});
