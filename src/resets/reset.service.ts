import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { periodsAt } from '../domain/periods.js';
import { UsageLedger, type Window } from '../store/usage.ledger.js';
import type { ResetResult } from './reset.contract.js';

/** What started a reset: the scheduler (at the instant it was due), or an admin. */
export type ResetTrigger = { scheduledFor: number } | 'manual';

/**
 * Scheduled resets free memory; they are not what makes a new day's limits apply. Window counters
 * carry their period, so counts of an ended day or week already read as 0, and a reset that runs
 * late (or never) changes no decision. A scheduled reset only clears periods that ended before the
 * time it was scheduled for: one that runs at 00:05 keeps the uses counted since 00:00. A manual
 * reset (an admin forgiving a day or week) sets the current period's counts to 0 as well.
 */
@Injectable()
export class ResetService {
  private readonly logger = new Logger('Resets');

  constructor(
    private readonly ledger: UsageLedger,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async reset(window: Window, trigger: ResetTrigger): Promise<ResetResult> {
    const now = this.clock.now();
    const periodOf = (instant: number) => {
      const periods = periodsAt(instant, this.config.couponTz);
      return window === 'daily' ? periods.day : periods.week;
    };
    const currentPeriod = periodOf(now);
    const manual = trigger === 'manual';
    // Never the current period for a scheduled run, even one scheduled by a clock ahead of ours.
    const scheduledPeriod = manual ? currentPeriod : periodOf(trigger.scheduledFor);
    const cutoff = scheduledPeriod < currentPeriod ? scheduledPeriod : currentPeriod;
    const cleared = await this.ledger.resetWindows(window, cutoff, manual);
    const result: ResetResult = {
      window,
      trigger: manual ? 'manual' : 'schedule',
      currentPeriod,
      ...(!manual && { scheduledFor: new Date(trigger.scheduledFor).toISOString() }),
      periodsCleared: cleared.periods,
      countersReset: cleared.freed,
      ranAt: new Date(now).toISOString(),
    };
    if (window === 'daily') result.outcomesPruned = await this.ledger.pruneExpired(now);
    this.logger.log(
      `${result.trigger} ${window} reset: ${cleared.freed} counters of ` +
        `${cleared.periods.join(', ') || 'no period'} reset` +
        (result.outcomesPruned === undefined
          ? ''
          : `, ${result.outcomesPruned} idempotency records pruned`),
    );
    return result;
  }
}
