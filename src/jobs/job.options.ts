/**
 * The options our producers publish jobs with: those of `redeem` and `rollback` jobs (the REST
 * API's queue defaults) are the typed client's, from its package; reset jobs' are the service's.
 */
import type { JobsOptions } from 'bullmq';

export {
  DEFAULT_IDEMPOTENCY_TTL_HOURS,
  redemptionJobOptions,
} from '@coupon-code-service/client/contract';

/** Options of reset jobs, scheduled and manual. */
export const RESET_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 100 },
  removeOnFail: { count: 100 },
};
