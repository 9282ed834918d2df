import {
  remainingUses,
  type CounterName,
  type Remaining,
  type RepeatCounts,
  type UsageCounts,
} from './coupon.js';
import type { RedemptionOutcome, ReservationOutcome } from '@coupon-code-service/client/contract';
import type { Hold } from './holds.js';
import { LIMIT_REASONS, type RejectionReason } from './decide.js';

/** One request to use a coupon, as order systems send it. */
export interface RedemptionRequest {
  /** Upper-case once it has passed through the service: a coupon's code or one of its unique codes. */
  couponCode: string;
  /** When couponCode is a unique code: its coupon's code. */
  coupon?: string;
  userId: string;
  orderId?: string;
}

/** The decision on one request; the `redeem` job's return value (queue contract, client package). */
export type { RedemptionOutcome } from '@coupon-code-service/client/contract';

/**
 * One publish of a request: its job id and the instant the producer created the job. BullMQ keeps
 * both when it runs the job again after a crash; a job published anew under an id used before
 * (ids restart after a queue is obliterated, or under another QUEUE_PREFIX) has another.
 */
export function publicationId(jobId: string, createdAt: number): string {
  return `${jobId}@${createdAt}`;
}

/**
 * What a request's first outcome is kept under: its order, or else the publication that carried
 * it, so a job BullMQ runs again after a crash never counts twice, and no other job ever shares
 * the key. Undefined: nothing to key it by.
 */
export function outcomeKey(
  orderId: string | undefined,
  publication: string | undefined,
): string | undefined {
  if (orderId !== undefined) return `order:${orderId}`;
  return publication ? `job:${publication}` : undefined;
}

/** Nothing is left of a coupon that does not exist. */
export const NOTHING_REMAINING: Remaining = {
  globalTotal: 0,
  userTotal: 0,
  userWeekly: 0,
  userDaily: 0,
};

function identity(request: RedemptionRequest) {
  return {
    couponCode: request.couponCode,
    ...(request.coupon !== undefined && { coupon: request.coupon }),
    userId: request.userId,
    ...(request.orderId !== undefined && { orderId: request.orderId }),
  };
}

export function rejectedOutcome(
  request: RedemptionRequest,
  reason: RejectionReason,
  remaining: Remaining,
  now: number,
): RedemptionOutcome {
  return {
    status: 'rejected',
    reason,
    ...identity(request),
    remaining,
    processedAt: new Date(now).toISOString(),
  };
}

/** The outcome of a counter check: `full` names the counter that refused, `used` the counts after it. */
export function counterOutcome(
  request: RedemptionRequest,
  commit: {
    full: CounterName | null;
    used: UsageCounts;
    limits: RepeatCounts;
    discountPercentage: number;
  },
  now: number,
): RedemptionOutcome {
  const remaining = remainingUses(commit.limits, commit.used);
  if (commit.full) return rejectedOutcome(request, LIMIT_REASONS[commit.full], remaining, now);
  return {
    status: 'accepted',
    ...identity(request),
    discountPercentage: commit.discountPercentage,
    remaining,
    processedAt: new Date(now).toISOString(),
  };
}

/** A reserve's answer once the order is held: the hold's own (the first reserve's) answer. */
export function reservedOutcome(
  request: RedemptionRequest & { orderId: string },
  hold: Pick<Hold, 'expiresAt' | 'reservedAt' | 'remaining'>,
): ReservationOutcome {
  return {
    status: 'reserved',
    ...identity(request),
    orderId: request.orderId,
    expiresAt: new Date(hold.expiresAt).toISOString(),
    remaining: { ...hold.remaining },
    processedAt: new Date(hold.reservedAt).toISOString(),
  };
}

export function rejectedReservation(
  request: RedemptionRequest & { orderId: string },
  reason: RejectionReason,
  remaining: Remaining,
  now: number,
): ReservationOutcome {
  return {
    status: 'rejected',
    reason,
    ...identity(request),
    orderId: request.orderId,
    remaining,
    processedAt: new Date(now).toISOString(),
  };
}
