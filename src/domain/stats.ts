import { DateTime } from 'luxon';

/**
 * What the ledger records of each of its steps, in the redemption log and in the statistics:
 * `confirmed` is an accepted redemption that confirmed the order's hold; `reserved`, `released`
 * and `expired` are the holds' own events (an expired hold is recorded by the first step that finds
 * it expired).
 */
export const LOG_STATUSES = [
  'accepted',
  'rejected',
  'rolled-back',
  'reserved',
  'confirmed',
  'released',
  'expired',
] as const;
export type LogStatus = (typeof LOG_STATUSES)[number];

/**
 * Statistics: per coupon and day (in the coupon time zone, of the step's time), how many log
 * entries of each status and how many refusals of each reason. The stores count them in the same
 * atomic step that writes the log entry, so they agree with the log for as long as it keeps it,
 * and they last STATS_RETENTION_DAYS. Neither deleting the coupon nor erasing a user removes them:
 * they name no user.
 */
export const STATS_REASON_PREFIX = 'r:';

/** The fields one recorded step adds 1 to: its status, and a refusal's reason. Mirrored by lua/includes/log.lua. */
export function statsFields(status: LogStatus, reason?: string): string[] {
  return status === 'rejected' && reason ? [status, STATS_REASON_PREFIX + reason] : [status];
}

export interface StatsCounts {
  accepted: number;
  confirmed: number;
  rejected: number;
  rolledBack: number;
  reserved: number;
  released: number;
  expired: number;
  /** Refusals by reason. */
  reasons: Record<string, number>;
}

export interface DayStats extends StatsCounts {
  /** YYYY-MM-DD in the coupon time zone. */
  day: string;
}

const noCounts = (): StatsCounts => ({
  accepted: 0,
  confirmed: 0,
  rejected: 0,
  rolledBack: 0,
  reserved: 0,
  released: 0,
  expired: 0,
  reasons: {},
});

const COUNT_OF: Record<LogStatus, Exclude<keyof StatsCounts, 'reasons'>> = {
  accepted: 'accepted',
  confirmed: 'confirmed',
  rejected: 'rejected',
  'rolled-back': 'rolledBack',
  reserved: 'reserved',
  released: 'released',
  expired: 'expired',
};

/** A day's counts from the fields a store keeps (statsFields); a day never counted reads 0. */
export function dayStats(day: string, fields: Record<string, number>): DayStats {
  const stats: DayStats = { day, ...noCounts() };
  for (const [field, count] of Object.entries(fields)) {
    if (field.startsWith(STATS_REASON_PREFIX)) {
      stats.reasons[field.slice(STATS_REASON_PREFIX.length)] = count;
    } else if (field in COUNT_OF) {
      stats[COUNT_OF[field as LogStatus]] = count;
    }
  }
  return stats;
}

/** The sums over some days. */
export function totalStats(days: StatsCounts[]): StatsCounts {
  const totals = noCounts();
  for (const { reasons, ...counts } of days) {
    for (const name of Object.values(COUNT_OF)) totals[name] += counts[name];
    for (const [reason, count] of Object.entries(reasons)) {
      totals.reasons[reason] = (totals.reasons[reason] ?? 0) + count;
    }
  }
  return totals;
}

/** Most days one query may span. */
export const STATS_MAX_DAYS = 400;
/** Days a query spans when it names no start. */
export const STATS_DEFAULT_DAYS = 30;

const calendarDay = (day: string) => DateTime.fromISO(day, { zone: 'utc' });

/** Every day from `from` through `to` (YYYY-MM-DD), in order. */
export function daysFrom(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = calendarDay(from); day.toISODate()! <= to; day = day.plus({ days: 1 })) {
    days.push(day.toISODate()!);
  }
  return days;
}

/** The day `count` days before `day`. */
export const daysBefore = (day: string, count: number): string =>
  calendarDay(day).minus({ days: count }).toISODate()!;

/**
 * The days a query asks for: `to` defaults to today, `from` to STATS_DEFAULT_DAYS days ending at
 * `to`; a string says why the range is refused.
 */
export function statsRange(
  query: { from?: string; to?: string },
  today: string,
): { from: string; to: string } | string {
  const to = query.to ?? today;
  const from = query.from ?? daysBefore(to, STATS_DEFAULT_DAYS - 1);
  if (from > to) return `from (${from}) must not be after to (${to})`;
  if (daysBefore(to, STATS_MAX_DAYS - 1) > from) {
    return `from and to may span at most ${STATS_MAX_DAYS} days`;
  }
  return { from, to };
}
