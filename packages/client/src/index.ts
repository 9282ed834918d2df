/** The typed client for order systems: `import { CouponClient } from '@coupon-code-service/client'`. */
export {
  CLIENT_JOB_OPTIONS,
  CouponClient,
  CouponClientTimeoutError,
  CouponJobFailedError,
  type CouponClientOptions,
  type RedeemRequest,
  type ReleaseRequest,
  type ReserveRequest,
  type RollbackRequest,
} from './coupon.client.js';
export {
  JobName,
  MAX_HOLD_TTL_SECONDS,
  MIN_HOLD_TTL_SECONDS,
  REDEMPTION_QUEUE,
  REJECTION_REASONS,
  type JobData,
  type JobResult,
  type RedeemJobData,
  type RedemptionOutcome,
  type RejectionReason,
  type ReleaseJobData,
  type ReleaseOutcome,
  type Remaining,
  type ReservationOutcome,
  type ReserveJobData,
  type RestoredCounters,
  type RollbackJobData,
  type RollbackOutcome,
} from './queue.contract.js';
export { redemptionJobId, releaseJobId, reservationJobId, rollbackJobId } from './job.ids.js';
export { NotReplicatedError } from './replicas.js';
