/** The typed client for order systems: `import { CouponClient } from 'coupon-code-service/client'`. */
export {
  CLIENT_JOB_OPTIONS,
  CouponClient,
  CouponClientTimeoutError,
  CouponJobFailedError,
  type CouponClientOptions,
  type RedeemRequest,
  type RollbackRequest,
} from './coupon.client.js';
export {
  JobName,
  REDEMPTION_QUEUE,
  redemptionJobId,
  rollbackJobId,
  type JobData,
  type JobResult,
  type RedeemJobData,
  type RedemptionOutcome,
  type RejectionReason,
  type RestoredCounters,
  type RollbackJobData,
  type RollbackOutcome,
} from '../redemptions/redemption.contract.js';
export type { Remaining } from '../domain/coupon.js';
