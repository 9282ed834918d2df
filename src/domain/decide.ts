import type { RejectionReason } from '@coupon-code-service/client/contract';
import {
  COUNTER_NAMES,
  type Coupon,
  type CounterName,
  type Limit,
  type RepeatCounts,
  type UsageCounts,
} from './coupon.js';
import { codeRefusal } from './unique-codes.js';

// The reasons (and their order: when several apply, the first is reported) are part of the queue
// contract with order systems, which the typed client package owns.
export { REJECTION_REASONS, type RejectionReason } from '@coupon-code-service/client/contract';

export const LIMIT_REASONS: Record<CounterName, RejectionReason> = {
  globalTotal: 'GLOBAL_LIMIT_REACHED',
  userTotal: 'USER_TOTAL_LIMIT_REACHED',
  userWeekly: 'USER_WEEKLY_LIMIT_REACHED',
  userDaily: 'USER_DAILY_LIMIT_REACHED',
};

export type Decision = { status: 'accepted' } | { status: 'rejected'; reason: RejectionReason };

/** A unique code's own state and limit (see unique-codes.ts). */
export interface CodeUse {
  used: number;
  revoked: boolean;
  limit: Limit;
}

/**
 * The coupon-level and user-level rules, which use no counters; for a unique code also whether it
 * was revoked, which comes right after the coupon's existence.
 */
export function eligibility(
  coupon: Coupon | undefined,
  userKnown: boolean,
  now: number,
  code?: Pick<CodeUse, 'revoked'>,
): RejectionReason | null {
  if (!coupon) return 'COUPON_NOT_FOUND';
  if (code?.revoked) return 'CODE_REVOKED';
  if (!coupon.active) return 'COUPON_INACTIVE';
  if (coupon.startsAt !== null && now < coupon.startsAt) return 'COUPON_NOT_STARTED';
  if (now > coupon.expiresAt) return 'COUPON_EXPIRED';
  if (!userKnown) return 'USER_NOT_FOUND';
  return null;
}

/** The first counter with no use left under its limit, in reason order; null when all have room. */
export function firstFullCounter(limits: RepeatCounts, used: UsageCounts): CounterName | null {
  for (const name of COUNTER_NAMES) {
    const limit = limits[name];
    if (limit !== null && used[name] >= limit) return name;
  }
  return null;
}

/** Whether one more use is allowed now. A pure function: the caller supplies state and time. */
export function decide(input: {
  coupon: Coupon | undefined;
  userKnown: boolean;
  used: UsageCounts;
  now: number;
  /** When the request names a unique code. */
  code?: CodeUse;
}): Decision {
  const ineligible = eligibility(input.coupon, input.userKnown, input.now, input.code);
  if (ineligible) return { status: 'rejected', reason: ineligible };
  const spent = input.code && codeRefusal(input.code, input.code.limit);
  if (spent) return { status: 'rejected', reason: spent };
  const full = firstFullCounter(input.coupon!.repeatCounts, input.used);
  return full ? { status: 'rejected', reason: LIMIT_REASONS[full] } : { status: 'accepted' };
}
