/**
 * The options our producers publish jobs with, in one place: the REST API (as its queues' default
 * job options), the reset schedulers and the typed client. Plain TypeScript.
 */
import type { JobsOptions } from 'bullmq';

/**
 * IDEMPOTENCY_TTL_HOURS when unset (config's DEFAULTS, which the client may not import; a test
 * keeps the two equal).
 */
export const DEFAULT_IDEMPOTENCY_TTL_HOURS = 168;

/**
 * Options of `redeem` and `rollback` jobs: attempts and backoff ride out a worker crash. A finished
 * job answers a retried publish of its order, so it is kept no longer than the order's outcome
 * (IDEMPOTENCY_TTL_HOURS), and at most a day.
 */
export function redemptionJobOptions(idempotencyTtlHours: number): JobsOptions {
  return {
    attempts: 3,
    backoff: { type: 'exponential', delay: 200 },
    removeOnComplete: { age: Math.min(24, idempotencyTtlHours) * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/** Options of reset jobs, scheduled and manual. */
export const RESET_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 100 },
  removeOnFail: { count: 100 },
};
