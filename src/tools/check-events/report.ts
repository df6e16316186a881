/**
 * The lines `custos check --events` prints: a warning per kind of gap the
 * sample shows (each with what to change, and where), then the share of
 * events each policy rule flags. Lists are cut at a few entries: the point
 * is which file to fix, not an inventory.
 */
import { formatFinding, figure, warning, type CheckFinding } from '../../runtime/check/findings.js';
import { table } from '../../util/text-table.js';
import type { EventsSample } from './events-sample.js';
import type { StoredZones } from './stored-events.js';

export interface SampleFiles {
  /** Where the sample came from: the events file, or the ClickHouse table. */
  readonly events: string;
  /** true: stored events (`--from-clickhouse`), whose source_ip may be minimised. */
  readonly stored?: boolean;
  readonly directory: string;
  readonly zones: string;
  readonly fields: string;
}

const LISTED = 10;

const share = (n: number, of: number): string => (of === 0 ? '0 %' : `${((100 * n) / of).toFixed(1)} %`);

/** `a 10, b 4, ... (3 more)`: the largest counts first, ties by name. */
function top(m: ReadonlyMap<string, number>): string {
  const sorted = [...m.entries()].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const shown = sorted.slice(0, LISTED).map(([k, n]) => `${k} ${figure(n)}`).join(', ');
  return sorted.length > LISTED ? `${shown}, ... (${figure(sorted.length - LISTED)} more)` : shown;
}

/** `1 event`, `2 events`. */
const events = (n: number): string => `${figure(n)} event${n === 1 ? '' : 's'}`;

const sum = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** The heading of a file sample: lines read, decoded, refused. */
export function fileSampleHeading(s: EventsSample, file: string): string {
  const refused = s.rejections.total;
  return `${file}: ${figure(s.lines)} lines, ${figure(s.events)} decoded${refused > 0 ? `, ${figure(refused)} refused` : ''}`;
}

export function sampleFindings(s: EventsSample, f: SampleFiles, defaultClass: string): CheckFinding[] {
  const out: CheckFinding[] = [];
  const at = { file: f.events, line: null };
  const r = s.rejections;
  if (r.total > 0) {
    const reasons = [...r.byReason.entries()].map(([k, n]) => `${k} ${figure(n)}`).join(', ');
    out.push(warning({ ...at, reason: `${figure(r.total)} line${r.total === 1 ? '' : 's'} refused by decode (${reasons}), which the monitor would dead-letter; first: ${r.sample.join('; ')}` }));
  }
  if (s.unknownActors.size > 0) {
    const n = sum(s.unknownActors);
    out.push(
      warning({
        ...at,
        reason: `${figure(s.unknownActors.size)} actor${s.unknownActors.size === 1 ? '' : 's'} not in the directory (${events(n)}, ${share(n, s.events)}): ${top(s.unknownActors)}; they are enriched as role unknown: add them to ${f.directory}`,
      }),
    );
  }
  const z = s.unknownZone;
  if (z.networks.size > 0) {
    const n = sum(z.networks);
    out.push(warning({ ...at, reason: `${events(n)} (${share(n, s.events)}) from addresses in no zone, by network: ${top(z.networks)}; add the ranges to ${f.zones}` }));
  }
  if (z.withoutAddress > 0) {
    const what = f.stored ? 'without a stored address (no source_ip, or one pseudonymised or dropped), in the zone unknown they were stored with' : 'without source_ip, in zone unknown';
    out.push(warning({ ...at, reason: `${events(z.withoutAddress)} (${share(z.withoutAddress, s.events)}) ${what}` }));
  }
  if (s.unlistedFields.size > 0) {
    out.push(warning({ ...at, reason: `fields the fields file does not list, by events carrying them (class ${defaultClass} by default): ${top(s.unlistedFields)}; list them in ${f.fields}` }));
  }
  return out;
}

/**
 * The zones of stored events that could not be resolved again (stored-events.ts):
 * a note, not a warning, unless it is most of the sample.
 */
export function storedZonesFinding(z: StoredZones, total: number, at: string): CheckFinding | null {
  const kept = z.keptNoAddress + z.keptStraddling;
  if (kept === 0) return null;
  const parts = [
    ...(z.keptNoAddress > 0 ? [`${events(z.keptNoAddress)} without a stored address (none given, or CUSTOS_MINIMISE_SOURCE_IP pseudonymised or dropped)`] : []),
    ...(z.keptStraddling > 0 ? [`${events(z.keptStraddling)} whose stored network is cut by a narrower zone range`] : []),
  ];
  return warning({ file: at, line: null, reason: `${figure(kept)} of ${events(total)} (${share(kept, total)}) keep the zone stored with them, resolved from the full address by the zones file of the day they arrived: ${parts.join('; ')}` });
}

/** `heading`: what was sampled, e.g. `events.ndjson: 120 lines, 118 decoded, 2 refused`. */
export function sampleReport(s: EventsSample, findings: readonly CheckFinding[], heading: string): string[] {
  const lines = [`events: ${heading}`];
  lines.push(...findings.map(formatFinding));
  lines.push(
    '',
    'policy rules on these events (each event judged alone: the role\'s limits, without the actor\'s history, without exceptions):',
    table(
      ['rule', 'events', 'share'],
      s.perRule.map((r) => [r.id, figure(r.events), share(r.events, s.events)]),
    ),
  );
  return lines;
}
