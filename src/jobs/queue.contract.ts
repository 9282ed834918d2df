/**
 * The names of our queues and of the jobs on them. The redemption queue's names belong to the
 * queue contract with order systems, which the typed client package owns; the reset queue's are
 * the service's own. Payload and result types live with their feature
 * (redemptions/redemption.contract.ts, resets/reset.contract.ts), which re-export these names.
 */
export { JobName, REDEMPTION_QUEUE } from '@coupon-code-service/client/contract';

export const RESET_QUEUE = 'coupon-counter-resets';

/** Jobs on `coupon-counter-resets`. */
export enum ResetJobName {
  Daily = 'daily-reset',
  Weekly = 'weekly-reset',
}
