import type { DayStats, LogStatus } from '../domain/stats.js';

export { LOG_STATUSES, type LogStatus } from '../domain/stats.js';

/** One decision in the redemption log. */
export interface LogEntry {
  /** Orders the log: later entries have greater ids. Opaque to callers, used as a page cursor. */
  id: string;
  at: string;
  /** The coupon's code. */
  couponCode: string;
  /** The unique code of the coupon the decision or rollback was about, if any. */
  uniqueCode?: string;
  userId: string;
  orderId?: string;
  status: LogStatus;
  reason?: string;
}

export interface LogQuery {
  status?: LogStatus;
  userId?: string;
  limit: number;
  /** The id of the last entry of the previous page: this page starts after it. */
  cursor?: string;
}

/** At most this many log entries are read for one page, however rare its filter. */
export const LOG_PAGE_SCAN_LIMIT = 5000;

export interface LogPage {
  items: LogEntry[];
  /** Where the next page starts; null when there are no older entries. */
  nextCursor: string | null;
}

/**
 * Each coupon's redemption log: every decision (not replays of a first outcome) and every
 * rollback, written by the ledger in the same atomic step, kept for the log TTL the store was made
 * with (0: nothing is logged).
 */
export abstract class RedemptionLog {
  /** Newest first; entries older than the log TTL at `now` are gone. */
  abstract list(code: string, query: LogQuery, now: number): Promise<LogPage>;
}

/**
 * Each coupon's statistics per day (domain/stats.ts), counted by the ledger in the step that logs,
 * kept for the retention the store was made with (0: nothing is counted).
 */
export abstract class RedemptionStats {
  /** The counts of each day asked for (YYYY-MM-DD in the coupon time zone), in that order. */
  abstract days(code: string, days: string[]): Promise<DayStats[]>;
}
