/**
 * The options `redeem` and `rollback` jobs are published with, in one place: the service's REST API
 * (as its queue's default job options) and the typed client. Plain TypeScript.
 */
import type { JobsOptions } from 'bullmq';

/**
 * IDEMPOTENCY_TTL_HOURS when unset (the service's config DEFAULTS, which this package cannot
 * import; a test keeps the two equal).
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
