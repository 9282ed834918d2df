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

/**
 * `confirmed` is an accepted redemption that confirmed the order's hold; `reserved`, `released`
 * and `expired` are the holds' own events (an expired hold is logged by the first step that finds
 * it expired, or by the daily reset).
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
