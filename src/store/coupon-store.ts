import type { Coupon, RepeatCounts, UsageCounts, User } from '../domain/coupon.js';
import type { RedemptionOutcome, RedemptionRequest } from '../domain/outcome.js';
import type { Periods } from '../domain/periods.js';

export interface Page<T> {
  items: T[];
  total: number;
}

/** One atomic check-and-commit of a redemption that passed the coupon- and user-level rules. */
export interface RedeemAttempt {
  request: RedemptionRequest;
  /** The coupon version the caller read; the commit happens only if it is still current. */
  couponVersion: number;
  limits: RepeatCounts;
  discountPercentage: number;
  periods: Periods;
  now: number;
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
  /** False when the code is taken. */
  abstract createCoupon(coupon: Coupon): Promise<boolean>;
  abstract getCoupon(code: string): Promise<Coupon | undefined>;
  /** Sorted by code. */
  abstract listCoupons(offset: number, limit: number): Promise<Page<Coupon>>;
  /** Writes `coupon` with version `expectedVersion + 1` if the stored one still has `expectedVersion`. */
  abstract saveCoupon(coupon: Coupon, expectedVersion: number): Promise<SaveResult>;
  /** Removes the coupon with its usage and outcomes; false when there was none. */
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
   * The first outcome recorded for this coupon and order, if it is still kept at `now`: outcomes
   * are kept for the idempotency TTL the store was made with.
   */
  abstract findOutcome(
    code: string,
    orderId: string,
    now: number,
  ): Promise<RedemptionOutcome | undefined>;
  /**
   * Records a rejection that counted nothing, decided at `now`, unless an outcome for the same
   * order is kept; returns the outcome that stands. Requests without orderId are not recorded.
   */
  abstract recordOutcome(outcome: RedemptionOutcome, now: number): Promise<RedemptionOutcome>;
  /**
   * In one atomic step: if the order already has an outcome, return it; if the coupon is no longer
   * at `couponVersion`, return STALE_COUPON; otherwise check every counter against its limit in
   * order, and either count one use on all of them or name the first that is full. The outcome is
   * recorded for the order in the same step.
   */
  abstract redeem(attempt: RedeemAttempt): Promise<RedemptionOutcome | typeof STALE_COUPON>;

  /**
   * Frees the per-user counters of the given window that belong to periods before `current` (they
   * already read as 0), atomically with respect to `redeem`; returns how many it freed.
   */
  abstract clearEndedWindows(window: Window, current: string): Promise<number>;
  /** Forgets outcomes no longer kept at `now`; returns how many. */
  abstract pruneOutcomes(now: number): Promise<number>;
}
