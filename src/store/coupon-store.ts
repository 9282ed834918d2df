import type { Coupon, CounterName, RepeatCounts, UsageCounts, User } from '../domain/coupon.js';
import type { RedemptionOutcome, RedemptionRequest } from '../domain/outcome.js';
import type { Periods } from '../domain/periods.js';

export interface Page<T> {
  items: T[];
  total: number;
}

/** One atomic check-and-commit of a redemption that passed the coupon- and user-level rules. */
export interface RedeemAttempt {
  request: RedemptionRequest;
  /** Where the outcome is kept (outcomeKey); undefined keeps nothing. */
  outcomeKey: string | undefined;
  /** The coupon version the caller read; the commit happens only if it is still current. */
  couponVersion: number;
  limits: RepeatCounts;
  discountPercentage: number;
  periods: Periods;
  now: number;
}

/** Gives back the use of an order's accepted redemption (see CouponStore.rollback). */
export interface RollbackAttempt {
  request: Required<RedemptionRequest>;
  /** outcomeKey(orderId): where the redemption's outcome is kept. */
  outcomeKey: string;
  /** The current day and week: window counts are given back only in the period they were counted in. */
  periods: Periods;
  now: number;
}

export type RollbackResult =
  | { status: 'rolled-back'; restored: Record<CounterName, boolean> }
  | { status: 'already-rolled-back' }
  | { status: 'not-found' };

/** One decision in the redemption log. */
export interface LogEntry {
  /** Orders the log: later entries have greater ids. Opaque to callers, used as a page cursor. */
  id: string;
  at: string;
  couponCode: string;
  userId: string;
  orderId?: string;
  status: LogStatus;
  reason?: string;
}

export const LOG_STATUSES = ['accepted', 'rejected', 'rolled-back'] as const;
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

/** Returned by `redeem` when the coupon changed (or went) since the caller read it: read and try again. */
export const STALE_COUPON = 'stale-coupon';

/** The per-user counters that start afresh each period. */
export type Window = 'daily' | 'weekly';

export type SaveResult = 'saved' | 'not-found' | 'conflict';
export type CreateUserResult = 'created' | 'id-taken' | 'email-taken';

/**
 * Where coupons, users, usage and redemption outcomes live. The rules are not here: the domain
 * decides, and the store offers reads, writes and one atomic primitive (`redeem`).
 */
export abstract class CouponStore {
  /**
   * False when the code is taken. The store gives the coupon its version, ignoring the one passed:
   * versions never repeat for a code, not even after it is deleted and created again.
   */
  abstract createCoupon(coupon: Coupon): Promise<boolean>;
  abstract getCoupon(code: string): Promise<Coupon | undefined>;
  /** Sorted by code. */
  abstract listCoupons(offset: number, limit: number): Promise<Page<Coupon>>;
  /** Writes `coupon` with a new version if the stored one still has `expectedVersion`. */
  abstract saveCoupon(coupon: Coupon, expectedVersion: number): Promise<SaveResult>;
  /** Removes the coupon with its usage; kept outcomes stay until their TTL. False when there was none. */
  abstract deleteCoupon(code: string): Promise<boolean>;

  abstract createUser(user: User): Promise<CreateUserResult>;
  abstract getUser(id: string): Promise<User | undefined>;
  /** Sorted by id. */
  abstract listUsers(offset: number, limit: number): Promise<Page<User>>;

  /** Uses so far; window counters count only in the given day and week. No userId: user counts are 0. */
  abstract getUsage(
    code: string,
    userId: string | undefined,
    periods: Periods,
  ): Promise<UsageCounts>;

  /**
   * The first outcome kept for this coupon under `key` (see outcomeKey), if it is still kept at
   * `now`: outcomes are kept for the idempotency TTL the store was made with.
   */
  abstract findOutcome(
    code: string,
    key: string,
    now: number,
  ): Promise<RedemptionOutcome | undefined>;
  /**
   * Keeps a rejection that counted nothing, decided at `now`, under `key` unless an outcome is
   * kept there already; returns the outcome that stands. Without a key nothing is kept.
   */
  abstract recordOutcome(
    key: string | undefined,
    outcome: RedemptionOutcome,
    now: number,
  ): Promise<RedemptionOutcome>;
  /**
   * In one atomic step: if an outcome is kept under the attempt's key, return it; if the coupon is
   * no longer at `couponVersion`, return STALE_COUPON; otherwise check every counter against its
   * limit in order, and either count one use on all of them or name the first that is full. The
   * outcome is kept under the key in the same step.
   */
  abstract redeem(attempt: RedeemAttempt): Promise<RedemptionOutcome | typeof STALE_COUPON>;

  /**
   * In one atomic step: if the outcome kept under the attempt's key is this user's accepted
   * redemption, give its use back (global and user totals always; the weekly and daily counts only
   * while its week and day are current), mark it rolled back, so that a later redeem of the order
   * is decided afresh, and log it. A second rollback changes nothing.
   */
  abstract rollback(attempt: RollbackAttempt): Promise<RollbackResult>;

  /**
   * The coupon's redemption log, newest first: every decision (not replays of a first outcome)
   * and every rollback, kept for the log TTL the store was made with (0: nothing is logged).
   */
  abstract listRedemptions(code: string, query: LogQuery, now: number): Promise<LogPage>;

  /**
   * Frees the per-user counters of the given window that belong to periods before `current` (they
   * already read as 0), atomically with respect to `redeem`; returns how many it freed.
   */
  abstract clearEndedWindows(window: Window, current: string): Promise<number>;
  /** Forgets outcomes no longer kept at `now`; returns how many. */
  abstract pruneOutcomes(now: number): Promise<number>;
}
