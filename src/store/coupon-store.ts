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
  /** Where the outcome is kept (outcomeKey); undefined keeps nothing. */
  outcomeKey: string | undefined;
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
   * Frees the per-user counters of the given window that belong to periods before `current` (they
   * already read as 0), atomically with respect to `redeem`; returns how many it freed.
   */
  abstract clearEndedWindows(window: Window, current: string): Promise<number>;
  /** Forgets outcomes no longer kept at `now`; returns how many. */
  abstract pruneOutcomes(now: number): Promise<number>;
}
