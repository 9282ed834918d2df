/**
 * The queue contract with order systems: queue and job names, job data and return values.
 * Producers, the worker and the tests all use these types.
 */
import type { RedemptionOutcome } from '../domain/outcome.js';

export type { RedemptionOutcome } from '../domain/outcome.js';
export type { RejectionReason } from '../domain/decide.js';

export const REDEMPTION_QUEUE = 'coupon-redemptions';

export enum JobName {
  Redeem = 'redeem',
}

export interface RedeemJobData {
  couponCode: string;
  userId: string;
  orderId?: string;
}

export interface JobData {
  [JobName.Redeem]: RedeemJobData;
}

export interface JobResult {
  [JobName.Redeem]: RedemptionOutcome;
}

// BullMQ job ids may not contain ':'; '.' separates the parts, so it is escaped inside them too.
const escapeIdPart = (part: string) => encodeURIComponent(part).replaceAll('.', '%2E');

/**
 * The job id a producer should give a `redeem` job with an orderId, so that publishing the same
 * order twice adds one job while the first still exists.
 */
export function redemptionJobId(couponCode: string, orderId: string): string {
  return `redeem.${escapeIdPart(couponCode.toUpperCase())}.${escapeIdPart(orderId)}`;
}
