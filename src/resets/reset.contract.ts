import { ResetJobName } from '../jobs/queue.contract.js';
import type { Window } from '../store/coupon-store.js';

export { RESET_QUEUE, ResetJobName } from '../jobs/queue.contract.js';

export const RESET_WINDOWS: Record<ResetJobName, Window> = {
  [ResetJobName.Daily]: 'daily',
  [ResetJobName.Weekly]: 'weekly',
};

/** A reset job's return value. */
export interface ResetResult {
  window: Window;
  /** The day (YYYY-MM-DD) or ISO week (YYYY-Www) in COUPON_TZ when the reset ran; its counts are kept. */
  currentPeriod: string;
  /** Per-user counters of ended periods that were set to 0 (freed). */
  countersReset: number;
  /** Idempotency records older than IDEMPOTENCY_TTL_HOURS that were dropped (daily reset only). */
  outcomesPruned?: number;
  ranAt: string;
}

/**
 * The job schedulers, upserted at every start with tz = COUPON_TZ: the id is stable, so restarts
 * and several instances update the same two schedulers instead of adding more.
 */
export const RESET_SCHEDULES = [
  { id: 'daily-reset', jobName: ResetJobName.Daily, pattern: '0 0 * * *' }, // 00:00 every day
  { id: 'weekly-reset', jobName: ResetJobName.Weekly, pattern: '0 0 * * 1' }, // 00:00 every Monday
] as const;
