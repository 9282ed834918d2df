/**
 * The queue contract with order systems: queue and job names, job data and return values.
 * Producers, the worker and the tests all use these types.
 */
import type { RedemptionOutcome } from '../domain/outcome.js';
import { JobName } from '../jobs/queue.contract.js';

export type { RedemptionOutcome } from '../domain/outcome.js';
export type { RejectionReason } from '../domain/decide.js';

export { JobName, REDEMPTION_QUEUE } from '../jobs/queue.contract.js';

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
}

export interface JobResult {
  [JobName.Redeem]: RedemptionOutcome;
  [JobName.Rollback]: RollbackOutcome;
}

export { redemptionJobId, rollbackJobId } from '../jobs/job.ids.js';
