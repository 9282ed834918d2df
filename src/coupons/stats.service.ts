import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { periodsAt } from '../domain/periods.js';
import { dayStats, daysFrom, oldestKeptDay, statsRange, totalStats } from '../domain/stats.js';
import { RedemptionStats } from '../store/redemption.log.js';
import type { StatsQuery, StatsResponse } from './stats.dto.js';

@Injectable()
export class StatsService {
  constructor(
    private readonly stats: RedemptionStats,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A coupon's statistics per day; like the log, they outlive the coupon (unknown codes read 0). */
  async days(code: string, query: StatsQuery): Promise<StatsResponse> {
    if (this.config.statsRetentionDays === 0) {
      throw new NotFoundException('Statistics are off (STATS_RETENTION_DAYS=0)');
    }
    const timeZone = this.config.couponTz;
    const today = periodsAt(this.clock.now(), timeZone).day;
    const range = statsRange(query, today);
    if (typeof range === 'string') throw new BadRequestException([range]);
    // Days past the retention read 0 on both stores, whether or not a store has dropped them yet.
    const oldest = oldestKeptDay(today, this.config.statsRetentionDays);
    const asked = daysFrom(range.from, range.to);
    const gone = asked.filter((day) => day < oldest); // the oldest days asked, if any
    const kept = await this.stats.days(code, asked.slice(gone.length));
    const days = [...gone.map((day) => dayStats(day, {})), ...kept];
    return { couponCode: code, timeZone, ...range, days, totals: totalStats(days) };
  }
}
