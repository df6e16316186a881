/**
 * `custos backtest --alerts-out FILE`: every alert revision, in emission
 * order, each line byte for byte the body the webhook destination POSTs for
 * that revision.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { backtestCommand, type BacktestCliOptions } from '../../../src/cli/backtest.js';
import type { Alert } from '../../../src/model/alert.js';
import { webhookDestination } from '../../../src/runtime/outputs/alerts/destinations/webhook/index.js';
import { captureIo, readJson, smallTerminatedAccessRun, type SmallRun } from './support.js';

interface JsonAlert {
  readonly opened_at: number;
  readonly escalations: number;
  readonly merges: number;
  readonly closed_at: number | null;
  readonly alert: Alert;
}
interface Line {
  readonly type: string;
  readonly timestamp: string;
  readonly data: { readonly alert_id: string; readonly revision: number; readonly status: string };
}

let run: SmallRun;
beforeAll(() => {
  run = smallTerminatedAccessRun();
}, 60_000);

const options = (over: Partial<BacktestCliOptions>): BacktestCliOptions => ({ fromFile: run.events, directory: run.directory, defaultTimezone: 'UTC', history: true, rules: 'rules', ...over });

// The real webhook destination, only asked to build its message (nothing is sent).
const webhook = webhookDestination({ url: 'https://soc.example.com/hooks/custos' }, { fetch: () => Promise.reject(new Error('not sent')), userAgent: 'test' });

describe('backtest --alerts-out', () => {
  it('writes every revision of every alert, in order, each line the webhook body of that revision', async () => {
    const out = join(run.dir, 'alerts.ndjson');
    const json = join(run.dir, 'report.json');
    const io = captureIo();
    expect(await backtestCommand(options({ alertsOut: out, json }), io)).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);

    const text = readFileSync(out, 'utf8');
    const raw = text.split('\n');
    expect(raw.pop()).toBe('');
    const lines = raw.map((l) => JSON.parse(l) as Line);
    const alerts = readJson<{ rule_sets: { alerts: JsonAlert[] }[] }>(json).rule_sets[0]?.alerts ?? [];
    expect(alerts.length).toBeGreaterThan(0);
    expect(io.stderr()).toContain(`wrote ${lines.length} alert revisions to ${out}`);

    // Per alert: revisions 1..latest, one line each, the first an opening, the rest escalation-typed (the webhook's rule).
    for (const a of alerts) {
      const mine = lines.filter((l) => l.data.alert_id === a.alert.alert_id);
      expect(mine.map((l) => l.data.revision)).toEqual(Array.from({ length: a.alert.revision }, (_, i) => i + 1));
      expect(mine.map((l) => l.type)).toEqual(mine.map((_, i) => (i === 0 ? 'custos.alert.opened' : 'custos.alert.escalated')));
      // One opening, then a merge, an escalation or the closing per further revision.
      expect(mine.length).toBe(1 + a.escalations + a.merges + (a.closed_at !== null && a.alert.revision > 1 ? 1 : 0));
      expect(mine[0]?.timestamp).toBe(new Date(a.opened_at).toISOString());
      // The last line is the final revision exactly as the webhook destination would carry it.
      const last = raw[lines.lastIndexOf(mine.at(-1) as Line)];
      const storedAt = a.closed_at ?? Date.parse((mine.at(-1) as Line).timestamp);
      expect(last).toBe(webhook.prepare({ alert: a.alert, storedAtMs: storedAt }).body);
    }
    // Nothing but these alerts' revisions, in emission (virtual time) order.
    expect(new Set(lines.map((l) => l.data.alert_id))).toEqual(new Set(alerts.map((a) => a.alert.alert_id)));
    const times = lines.map((l) => Date.parse(l.timestamp));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    // The incident's alert has merged follow-ups and a closing: more lines than alerts.
    expect(lines.length).toBeGreaterThan(alerts.length);
  });

  it('refuses --alerts-out with --compare-rules (exit 78): one file holds one rule set', async () => {
    const io = captureIo();
    expect(await backtestCommand(options({ alertsOut: join(run.dir, 'x.ndjson'), compareRules: 'rules' }), io)).toBe(78);
    expect(io.stderr()).toContain('--alerts-out writes the alerts of one rule set');
  });
});
