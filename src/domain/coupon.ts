import type { CounterName, Remaining } from '@coupon-code-service/client/contract';
import type { UniqueCodes } from './unique-codes.js';

// The counter names, `Remaining` and code normalisation are part of the queue contract with order
// systems, which the typed client package owns: one copy, shared by the client and the rules.
export {
  COUNTER_NAMES,
  normalizeCouponCode,
  type CounterName,
  type Remaining,
} from '@coupon-code-service/client/contract';

/** A limit on uses; null means unlimited. */
export type Limit = number | null;
export type RepeatCounts = Record<CounterName, Limit>;
/** Uses counted so far, in the current day and week for the window counters. */
export type UsageCounts = Record<CounterName, number>;

export const MAX_REPEAT_COUNT = 2 ** 31 - 1;
export const COUPON_CODE_PATTERN = /^[A-Za-z0-9_-]{3,64}$/;

export const UNLIMITED: RepeatCounts = {
  globalTotal: null,
  userTotal: null,
  userWeekly: null,
  userDaily: null,
};

export const NO_USAGE: UsageCounts = { globalTotal: 0, userTotal: 0, userWeekly: 0, userDaily: 0 };

export interface Coupon {
  /** Upper-case; codes match case-insensitively. */
  code: string;
  discountPercentage: number;
  /** Epoch milliseconds of the first valid instant, or null for "already started". */
  startsAt: number | null;
  /** Epoch milliseconds of the last valid instant. */
  expiresAt: number;
  active: boolean;
  description: string | null;
  repeatCounts: RepeatCounts;
  createdAt: number;
  updatedAt: number;
  /**
   * A random id given when the coupon is created, never repeated: it tells this coupon from one
   * deleted before it under the same code, or from one stored before Redis lost its data.
   */
  born: string;
  /** Its unique codes (unique-codes.ts); undefined until its first batch. Never shown over REST. */
  codes?: UniqueCodes;
  /** Bumped on every change, so a redemption never commits against limits that have changed. */
  version: number;
}

export function remainingUses(limits: RepeatCounts, used: UsageCounts): Remaining {
  const left = (name: CounterName) => {
    const limit = limits[name];
    return limit === null ? null : Math.max(0, limit - used[name]);
  };
  return {
    globalTotal: left('globalTotal'),
    userTotal: left('userTotal'),
    userWeekly: left('userWeekly'),
    userDaily: left('userDaily'),
  };
}

export type CouponStatus = 'active' | 'scheduled' | 'expired' | 'inactive';

/**
 * What an admin sees of a coupon at `now`, checked in decide's order: switched off first, then
 * before its start, then past its last valid instant (both ends inclusive, as decide reads them).
 */
export function couponStatus(
  coupon: Pick<Coupon, 'active' | 'startsAt' | 'expiresAt'>,
  now: number,
): CouponStatus {
  if (!coupon.active) return 'inactive';
  if (coupon.startsAt !== null && now < coupon.startsAt) return 'scheduled';
  if (now > coupon.expiresAt) return 'expired';
  return 'active';
}
