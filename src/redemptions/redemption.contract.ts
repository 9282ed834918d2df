/**
 * The queue contract with order systems: queue and job names, job data and return values.
 * Producers, the worker and the tests all use these types. The typed client package owns them
 * (order systems install it on its own); the service takes them from there.
 */
export {
  JobName,
  REDEMPTION_QUEUE,
  redemptionJobId,
  rollbackJobId,
  type JobData,
  type JobResult,
  type RedeemJobData,
  type ReleaseJobData,
  type ReleaseOutcome,
  type ReservationOutcome,
  type ReserveJobData,
  type RedemptionOutcome,
  type RejectionReason,
  type RestoredCounters,
  type RollbackJobData,
  type RollbackOutcome,
} from '@coupon-code-service/client/contract';
