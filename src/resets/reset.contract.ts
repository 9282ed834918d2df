import { ResetJobName } from '../jobs/queue.contract.js';
import type { Window } from '../store/usage.ledger.js';

export { RESET_QUEUE, ResetJobName } from '../jobs/queue.contract.js';

export const RESET_WINDOWS: Record<ResetJobName, Window> = {
  [ResetJobName.Daily]: 'daily',
  [ResetJobName.Weekly]: 'weekly',
};

/** Job data of a reset; the schedulers' jobs carry none (a scheduled reset). */
export interface ResetJobData {
  /** 'manual': POST /admin/resets/*, which sets the current period's counts to 0 too. */
  trigger?: 'manual';
}

/** A reset job's return value. */
export interface ResetResult {
  window: Window;
  /** 'schedule': frees the periods that ended before the one it was scheduled in; 'manual': the current one too. */
  trigger: 'schedule' | 'manual';
  /** The day (YYYY-MM-DD) or ISO week (YYYY-Www) in COUPON_TZ when the reset ran. */
  currentPeriod: string;
  /** For a scheduled reset, the instant it was scheduled for. */
  scheduledFor?: string;
  /** The periods whose per-user counters it set to 0, oldest first. */
  periodsCleared: string[];
  /** Per-user counters that were set to 0 (freed). */
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
