/**
 * The ids of the jobs on our queues. BullMQ job ids may not contain ':'; '.' separates the parts,
 * so it is escaped inside them too. Coupon codes are normalised as the service matches them
 * (normalizeCouponCode, ASCII letters only), so a job id names the same coupon the worker decides.
 */
import { randomUUID } from 'node:crypto';
import { normalizeCouponCode } from './queue.contract.js';

const escapeIdPart = (part: string) => encodeURIComponent(part).replaceAll('.', '%2E');

/**
 * The job id a producer should give a `redeem` job with an orderId, so that publishing the same
 * order twice adds one job while the first still exists.
 */
export function redemptionJobId(couponCode: string, orderId: string): string {
  return `redeem.${escapeIdPart(normalizeCouponCode(couponCode))}.${escapeIdPart(orderId)}`;
}

/**
 * The job id for a redeem whose order's job (`orderJobId`) turned out to be another user's: a job
 * of its own, so the request is decided (ORDER_CONFLICT) instead of answered with their outcome.
 */
export function ownRedemptionJobId(orderJobId: string): string {
  return `${orderJobId}.${randomUUID()}`;
}

/**
 * The job id of a `rollback` job. It is unique per call: a rollback is idempotent in the store, and
 * a fixed id would answer a later rollback (after the order was redeemed again) with the old result.
 */
export function rollbackJobId(couponCode: string, orderId: string, unique: string): string {
  return `rollback.${escapeIdPart(normalizeCouponCode(couponCode))}.${escapeIdPart(orderId)}.${escapeIdPart(unique)}`;
}

/**
 * The job id of a `reserve` job. It is unique per call, like rollbackJobId: the store answers a
 * second reserve of a held order with the live hold (the same expiresAt) by itself, and a fixed id
 * would answer a reserve made after that hold was released or expired with the finished job's
 * stale `reserved` outcome, which a producer without access to the store could not tell apart.
 */
export function reservationJobId(couponCode: string, orderId: string, unique: string): string {
  return `reserve.${escapeIdPart(normalizeCouponCode(couponCode))}.${escapeIdPart(orderId)}.${escapeIdPart(unique)}`;
}

/**
 * The job id of a `release` job: unique per call, like rollbackJobId (a second release of the order
 * finds no hold and changes nothing, so a retry needs no dedupe by id).
 */
export function releaseJobId(couponCode: string, orderId: string, unique: string): string {
  return `release.${escapeIdPart(normalizeCouponCode(couponCode))}.${escapeIdPart(orderId)}.${escapeIdPart(unique)}`;
}
