/**
 * Business hours (calendar.yaml): the event's `local_time`, its hour and
 * weekday in the actor's own time zone (from the directory, the source
 * before it) and whether that is within business hours.
 */
import { z } from 'zod';
import { setting } from '../../../config/setting-spec.js';
import { LocalTimeResolver } from '../../../time/local-time.js';
import type { LocalTimeContext } from '../../../model/enriched.js';
import { parseYamlWith } from '../../../util/yaml-validate.js';
import { flag, toNumber, uint } from '../../outputs/clickhouse/rows/json-values.js';
import { businessHoursFrom, calendarFileSchema, isBusinessTime } from '../business-hours.js';
import { defineEnrichmentSource, readSourceFile } from '../source.js';

const num = (v: unknown): number => toNumber(v as number | string);

export const CALENDAR = defineEnrichmentSource({
  name: 'businessHours',
  fileKey: 'calendarFile',
  settingKey: 'enrichment.calendar_file',
  setting: setting({ env: 'CUSTOS_CALENDAR_FILE', schema: z.string().min(1), default: 'enrichment/calendar.yaml', underRulesDir: true, description: 'Business hours.' }),
  label: 'calendar',
  option: 'calendar',
  flag: { description: 'business hours file (default: $CUSTOS_CALENDAR_FILE, else <rules>/enrichment/calendar.yaml)' },
  load: (file) => businessHoursFrom(parseYamlWith(readSourceFile(file), file, calendarFileSchema)),
  attribute: 'local_time',
  step: (hours) => {
    const localTime = new LocalTimeResolver();
    // One context per (weekday, hour, business hours), shared by the events that have it (they
    // are read-only): 336 objects at most, where a new one per event was kept with its event.
    const contexts: LocalTimeContext[] = [];
    return (event, soFar) => {
      const local = localTime.read(event.ts, soFar.actor.timezone);
      const open = isBusinessTime(hours, local);
      const k = ((local.weekday * 24 + local.hour) << 1) | (open ? 1 : 0);
      return (contexts[k] ??= { hour: local.hour, weekday: local.weekday, business_hours: open });
    };
  },
  draft: () => ({ hour: undefined, weekday: undefined, business_hours: undefined }),
  columns: [
    { name: 'local_hour', type: 'UInt8', write: (e) => uint(e.local_time.hour, 'local_hour'), read: (v, d) => void (d.local_time.hour = num(v)) },
    { name: 'local_weekday', type: 'UInt8', write: (e) => uint(e.local_time.weekday, 'local_weekday'), read: (v, d) => void (d.local_time.weekday = num(v)) },
    { name: 'business_hours', type: 'UInt8', write: (e) => flag(e.local_time.business_hours), read: (v, d) => void (d.local_time.business_hours = num(v) === 1) },
  ],
});
