/**
 * The names of our queues and of the jobs on them, in one place. Payload and result types live
 * with their feature (redemptions/redemption.contract.ts, resets/reset.contract.ts), which
 * re-export these names. Plain TypeScript: the typed client imports it.
 */

export const REDEMPTION_QUEUE = 'coupon-redemptions';
export const RESET_QUEUE = 'coupon-counter-resets';

/** Jobs on `coupon-redemptions`. */
export enum JobName {
  Redeem = 'redeem',
  Rollback = 'rollback',
}

/** Jobs on `coupon-counter-resets`. */
export enum ResetJobName {
  Daily = 'daily-reset',
  Weekly = 'weekly-reset',
}
