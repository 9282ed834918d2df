import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { periodsAt } from '../domain/periods.js';
import { CouponStore, type Window } from '../store/coupon-store.js';
import type { ResetResult } from './reset.contract.js';

/**
 * Resets free memory; they are not what makes a new day's limits apply. Window counters carry their
 * period, so counts of an ended day or week already read as 0, and a reset that runs late (or
 * never) changes no decision. A reset only ever clears periods before the current one: one that
 * runs at 00:05 keeps the uses counted since 00:00.
 */
@Injectable()
export class ResetService {
  private readonly logger = new Logger('Resets');

  constructor(
    private readonly store: CouponStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async reset(window: Window): Promise<ResetResult> {
    const now = this.clock.now();
    const periods = periodsAt(now, this.config.couponTz);
    const currentPeriod = window === 'daily' ? periods.day : periods.week;
    const countersReset = await this.store.clearEndedWindows(window, currentPeriod);
    const result: ResetResult = {
      window,
      currentPeriod,
      countersReset,
      ranAt: new Date(now).toISOString(),
    };
    if (window === 'daily') result.outcomesPruned = await this.store.pruneOutcomes(now);
    this.logger.log(
      `${window} reset: ${countersReset} counters from before ${currentPeriod} reset` +
        (result.outcomesPruned === undefined
          ? ''
          : `, ${result.outcomesPruned} idempotency records pruned`),
    );
    return result;
  }
}
