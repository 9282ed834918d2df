/**
 * The queue contract with order systems: the queue and job names, job data and return values, and
 * the vocabulary they use (counter names, rejection reasons, coupon code normalisation). Owned by
 * this package; the service imports it from here, so producers, the worker and the tests share one
 * copy. Plain TypeScript: nothing here opens a connection.
 */

/** The queue order systems publish `redeem`, `rollback`, `reserve` and `release` jobs to. */
export const REDEMPTION_QUEUE = 'coupon-redemptions';

/** Jobs on `coupon-redemptions`. */
export enum JobName {
  Redeem = 'redeem',
  Rollback = 'rollback',
  Reserve = 'reserve',
  Release = 'release',
}

/** Hold TTLs a `reserve` may ask for, in seconds. */
export const MIN_HOLD_TTL_SECONDS = 1;
export const MAX_HOLD_TTL_SECONDS = 86_400;

/** The four repeat counts, in the order their limits are checked. */
export const COUNTER_NAMES = ['globalTotal', 'userTotal', 'userWeekly', 'userDaily'] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
/** Uses left under each limit; null means unlimited. */
export type Remaining = Record<CounterName, number | null>;

/** Why a redemption is refused; when several apply, the first in this order is reported. */
export const REJECTION_REASONS = [
  'COUPON_NOT_FOUND',
  // A unique code revoked by an admin (a leaked one).
  'CODE_REVOKED',
  'COUPON_INACTIVE',
  'COUPON_NOT_STARTED',
  'COUPON_EXPIRED',
  'USER_NOT_FOUND',
  // A unique code whose own uses (its batch's usesPerCode) are spent.
  'CODE_LIMIT_REACHED',
  'GLOBAL_LIMIT_REACHED',
  'USER_TOTAL_LIMIT_REACHED',
  'USER_WEEKLY_LIMIT_REACHED',
  'USER_DAILY_LIMIT_REACHED',
  // Not rules of the coupon: the order was already decided (or is held) for another user or with
  // another of the coupon's codes (see redeemVerdict), or a reserve met the order's standing
  // redemption; or the user (or REST client) had GUESS_LIMIT_PER_HOUR refusals for unknown codes.
  'ORDER_CONFLICT',
  'TOO_MANY_ATTEMPTS',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Upper-cases ASCII letters only: full Unicode case mapping would turn 'ſave10' into 'SAVE10'. */
export function normalizeCouponCode(code: string): string {
  return code.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

export interface RedeemJobData {
  couponCode: string;
  userId: string;
  orderId?: string;
}

/** Gives back the use an accepted redemption of this order counted (order cancelled, payment failed). */
export interface RollbackJobData {
  couponCode: string;
  userId: string;
  orderId: string;
}

/** The decision on one request; the `redeem` job's return value. */
export interface RedemptionOutcome {
  status: 'accepted' | 'rejected';
  reason?: RejectionReason;
  /** The code as submitted, upper-case: the coupon's code, or one of its unique codes. */
  couponCode: string;
  /** When couponCode is a unique code: the code of its coupon. */
  coupon?: string;
  userId: string;
  orderId?: string;
  discountPercentage?: number;
  /** Uses left after this decision, live holds subtracted; null = unlimited. */
  remaining: Remaining;
  /** 'confirmed' when this redemption confirmed the order's live hold (see `reserve`). */
  hold?: 'confirmed';
  processedAt: string;
}

/**
 * Holds one use of the coupon for an order while the customer pays: decided like a redemption,
 * with the same reasons, and held against every repeat count (and a unique code's own uses) until
 * `expiresAt`. A `redeem` of the same coupon, order and user while it lives confirms it.
 */
export interface ReserveJobData {
  couponCode: string;
  userId: string;
  orderId: string;
  /** 1..86,400; default the service's HOLD_TTL_SECONDS (900). */
  ttlSeconds?: number;
}

/** Gives back the use an order's live hold holds (the customer abandoned the checkout). */
export interface ReleaseJobData {
  couponCode: string;
  userId: string;
  orderId: string;
}

/** The `reserve` job's return value. A second reserve of a held order answers the first hold. */
export interface ReservationOutcome {
  status: 'reserved' | 'rejected';
  reason?: RejectionReason;
  /** The code as submitted, upper-case: the coupon's code, or one of its unique codes. */
  couponCode: string;
  /** When couponCode is a unique code: the code of its coupon. */
  coupon?: string;
  userId: string;
  orderId: string;
  /** When the hold ends by itself (ISO 8601); set when reserved. */
  expiresAt?: string;
  /** Uses left with this hold counted; null = unlimited. */
  remaining: Remaining;
  processedAt: string;
}

/** The `release` job's return value: RESERVATION_NOT_FOUND when this user has no live hold of the order. */
export interface ReleaseOutcome {
  status: 'released' | 'rejected';
  reason?: 'RESERVATION_NOT_FOUND';
  couponCode: string;
  userId: string;
  orderId: string;
  processedAt: string;
}

/** Which counters a rollback gave the use back to. */
export interface RestoredCounters {
  globalTotal: boolean;
  userTotal: boolean;
  /** Only while the redemption's ISO week is still the current one. */
  userWeekly: boolean;
  /** Only while the redemption's day is still the current one. */
  userDaily: boolean;
}

/**
 * The `rollback` job's return value. `rolled-back`: the use is given back now;
 * `already-rolled-back`: an earlier rollback gave it back and nothing changed;
 * `rejected` with REDEMPTION_NOT_FOUND: this user has no accepted redemption of this order.
 */
export interface RollbackOutcome {
  status: 'rolled-back' | 'already-rolled-back' | 'rejected';
  reason?: 'REDEMPTION_NOT_FOUND';
  couponCode: string;
  userId: string;
  orderId: string;
  /** Set when status is `rolled-back`. */
  restored?: RestoredCounters;
  processedAt: string;
}

export interface JobData {
  [JobName.Redeem]: RedeemJobData;
  [JobName.Rollback]: RollbackJobData;
  [JobName.Reserve]: ReserveJobData;
  [JobName.Release]: ReleaseJobData;
}

export interface JobResult {
  [JobName.Redeem]: RedemptionOutcome;
  [JobName.Rollback]: RollbackOutcome;
  [JobName.Reserve]: ReservationOutcome;
  [JobName.Release]: ReleaseOutcome;
}
