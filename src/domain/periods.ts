import { DateTime, IANAZone } from 'luxon';

/** The day (YYYY-MM-DD) and ISO week (YYYY-Www) that an instant falls in, in the coupon time zone. */
export interface Periods {
  day: string;
  week: string;
}

const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME_WITH_OFFSET =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-](0\d|1[0-4]):[0-5]\d)$/;

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** Per zone, the last day looked up: every redemption asks, and a day holds for hours. */
const lastDayByZone = new Map<string, { from: number; to: number; periods: Periods }>();

export function periodsAt(instant: number, zone: string): Periods {
  const last = lastDayByZone.get(zone);
  if (last && instant >= last.from && instant <= last.to) return last.periods;
  const local = DateTime.fromMillis(instant, { zone });
  const periods = Object.freeze({
    day: local.toISODate()!,
    week: `${local.weekYear}-W${String(local.weekNumber).padStart(2, '0')}`,
  });
  lastDayByZone.set(zone, {
    from: local.startOf('day').toMillis(),
    to: local.endOf('day').toMillis(),
    periods,
  });
  return periods;
}

/** True for a real calendar date (YYYY-MM-DD) or a date-time with an explicit offset. */
export function isCouponDate(input: string): boolean {
  if (!BARE_DATE.test(input) && !DATE_TIME_WITH_OFFSET.test(input)) return false;
  return DateTime.fromISO(input, { setZone: true }).isValid;
}

/**
 * The instant a coupon date stands for. A bare date is a whole day in the coupon time zone:
 * as a start it means the day's first instant, as an end its last one (valid through that day).
 */
export function couponDateToInstant(input: string, zone: string, edge: 'start' | 'end'): number {
  if (!isCouponDate(input)) throw new RangeError(`not a coupon date: ${input}`);
  if (!BARE_DATE.test(input)) return DateTime.fromISO(input, { setZone: true }).toMillis();
  const day = DateTime.fromISO(input, { zone });
  return (edge === 'start' ? day.startOf('day') : day.endOf('day')).toMillis();
}

/** An instant as ISO 8601 with the coupon zone's offset, as admins read it. */
export function formatInZone(instant: number, zone: string): string {
  return DateTime.fromMillis(instant, { zone }).toISO()!;
}
