/** Console output for the demo: section headers and small query result tables. */
import type { ClickHouseClient } from '@clickhouse/client';

export function section(title: string): void {
  console.log(`\n== ${title} ${'='.repeat(Math.max(0, 70 - title.length))}`);
}

export async function printQuery(ch: ClickHouseClient, caption: string, sql: string, maxRows = 10): Promise<void> {
  console.log(`\n${caption}\n  ${sql.replace(/\s+/g, ' ').trim()}\n`);
  const rows = await (await ch.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, unknown>>();
  if (rows.length === 0) {
    console.log('  (no rows)');
    return;
  }
  const shown = rows.slice(0, maxRows);
  const cols = Object.keys(shown[0] ?? {});
  // Arrays: short ones in full, long ones (record pseudonyms) as their length.
  const cell = (v: unknown) => (Array.isArray(v) ? (v.length <= 4 ? v.join(',') : `[${v.length} items]`) : String(v)).slice(0, 60);
  const widths = cols.map((c) => Math.max(c.length, ...shown.map((r) => cell(r[c]).length)));
  console.log('  ' + cols.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of shown) console.log('  ' + cols.map((c, i) => cell(r[c]).padEnd(widths[i] ?? 0)).join('  '));
  if (rows.length > maxRows) console.log(`  ... ${rows.length - maxRows} more`);
}
