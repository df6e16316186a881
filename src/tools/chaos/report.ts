/** The chaos run as a table: what was injected, and what analysts and receivers would see of it. */
import { table } from '../../util/text-table.js';
import type { ChaosReport } from './run-chaos.js';

export function formatChaosReport(r: ChaosReport): string {
  const row = (name: string, o: ChaosReport['clean'], faults: string) => [
    name,
    faults,
    String(r.events),
    String(o.lost),
    String(o.duplicatesVisible),
    String(o.alerts),
    name === 'clean' ? '-' : r.alertsEqual ? 'yes' : differencesAllDocumented(r) ? `no: ${r.verdicts.length} documented` : 'NO',
    String(o.deliveries.undelivered.length),
    String(o.deliveries.duplicated),
    String(o.deliveries.outOfOrder.length),
  ];
  const lines = [
    table(
      ['run', 'faults', 'events', 'lost', 'duplicates visible', 'alerts', 'alerts equal', 'undelivered', 'notifications duplicated', 'out of order'],
      [row('clean', r.clean, '0'), row('chaos', r.chaos, String(r.faults.length))],
    ),
    '',
    `seed ${r.seed}; faults injected:`,
    ...r.faults.map((f) => `  - ${f}`),
  ];
  if (!r.alertsEqual) {
    lines.push('', 'alerts that differ from the clean run:');
    for (const id of r.alerts.missing) lines.push(`  missing ${id}`);
    for (const id of r.alerts.extra) lines.push(`  extra   ${id}`);
    for (const d of r.alerts.differing) {
      lines.push(`  differs ${d.alertId}: ${d.fields.join(', ')}`);
      const verdict = r.verdicts.find((x) => x.alertId === d.alertId);
      if (verdict !== undefined) lines.push(`    ${verdict.documented ? 'documented' : 'not the documented limit'}: ${verdict.reason}`);
      for (const p of d.paths) lines.push(`      ${p}`);
    }
  }
  if (r.notifyDiff.missing.length + r.notifyDiff.extra.length > 0) {
    lines.push('', `notify revisions: ${r.notifyDiff.missing.length} missing, ${r.notifyDiff.extra.length} extra`);
  }
  for (const o of r.chaos.deliveries.outOfOrder.slice(0, 10)) lines.push(`  out of order: ${o}`);
  return lines.join('\n');
}

/** No alert missing or extra, and every differing one the documented limit (never a defect). */
export function differencesAllDocumented(r: ChaosReport): boolean {
  return r.alerts.missing.length === 0 && r.alerts.extra.length === 0 && r.alerts.differing.length > 0 && r.verdicts.every((v) => v.documented);
}
