import type { Limit } from '../domain/coupon.js';
import type { Hold } from '../domain/holds.js';
import type { Periods } from '../domain/periods.js';
import type { WindowReport } from '../domain/report.js';
import type { CodeBatch } from '../domain/unique-codes.js';
import type { Page } from './coupon.repository.js';

/** The userDaily and userWeekly limits a busiest-users report checks users against. */
export interface WindowLimits {
  day: Limit;
  week: Limit;
}

/** A live hold as the console lists it. */
export type LiveHold = Pick<Hold, 'orderId' | 'userId' | 'uniqueCode' | 'reservedAt' | 'expiresAt'>;

/**
 * Reads over a coupon's usage for the admin console. Plain reads, never atomic steps of the
 * ledger: they change nothing (an expired hold is skipped, left for a counting step to drop and
 * log), and may see a redemption or hold landing while they read.
 */
export abstract class UsageReport {
  /**
   * The busiest users of the coupon in the day and the week (windowReport), at most `top` each.
   * Window counts are read in the periods a count would land in (ledger.countingPeriods: the
   * newest ones counted in when those are later than `periods`), which the reports name.
   */
  abstract busiestUsers(
    code: string,
    periods: Periods,
    limits: WindowLimits,
    top: number,
    now: number,
  ): Promise<{ day: WindowReport; week: WindowReport }>;

  /** The coupon's live holds at `now`, soonest expiry first (ties by order id), at most `limit`. */
  abstract liveHolds(code: string, limit: number, now: number): Promise<Page<LiveHold>>;

  /**
   * How many codes of each of the coupon's `batches` (in their order) have at least one use
   * counted (unique-codes.usedPerBatch): a use rolled back gives the code back, a revoked code
   * counts only with uses. 0s for a coupon without usage.
   */
  abstract usedCodesPerBatch(code: string, batches: readonly CodeBatch[]): Promise<number[]>;
}
