/** Business hours, read from rules/enrichment/calendar.yaml, judged in each actor's own time zone. */
import { z } from 'zod';
import type { LocalClockReading } from '../../time/local-time.js';

const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)')
  .transform((v) => Number(v.slice(0, 2)) * 60 + Number(v.slice(3, 5)));

export const calendarFileSchema = z
  .object({
    business_hours: z
      .object({
        /** ISO weekdays, 1 = Monday ... 7 = Sunday. */
        weekdays: z.array(z.number().int().min(1).max(7)).min(1),
        start: hhmm,
        end: hhmm,
      })
      .strict()
      .refine((b) => b.start < b.end, { message: 'start must be before end' }),
  })
  .strict();

export interface BusinessHours {
  readonly weekdays: ReadonlySet<number>;
  /** Minutes since local midnight, start inclusive, end exclusive. */
  readonly startMinute: number;
  readonly endMinute: number;
}

export function businessHoursFrom(file: z.infer<typeof calendarFileSchema>): BusinessHours {
  const b = file.business_hours;
  return { weekdays: new Set(b.weekdays), startMinute: b.start, endMinute: b.end };
}

export function isBusinessTime(hours: BusinessHours, local: LocalClockReading): boolean {
  return (
    hours.weekdays.has(local.weekday) && local.minuteOfDay >= hours.startMinute && local.minuteOfDay < hours.endMinute
  );
}
