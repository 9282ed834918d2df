/** The typed client for order systems: `import { CouponClient } from '@coupon-code-service/client'`. */
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
  REJECTION_REASONS,
  type JobData,
  type JobResult,
  type RedeemJobData,
  type RedemptionOutcome,
  type RejectionReason,
  type Remaining,
  type RestoredCounters,
  type RollbackJobData,
  type RollbackOutcome,
} from './queue.contract.js';
export { redemptionJobId, rollbackJobId } from './job.ids.js';
export { NotReplicatedError } from './replicas.js';
