import { dayStats, type DayStats } from '../../domain/stats.js';
import { RedemptionStats } from '../redemption.log.js';
import type { RedisClient } from './client.redis.js';
import type { RedisKeys } from './keys.redis.js';

export class RedisRedemptionStats extends RedemptionStats {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    super();
  }

  /** One pipeline: every day's hash is in the coupon's slot. */
  async days(code: string, days: string[]): Promise<DayStats[]> {
    const pipeline = this.redis.pipeline();
    for (const day of days) pipeline.hgetall(this.keys.stats(code, day));
    const replies = (await pipeline.exec()) ?? [];
    return days.map((day, i) => {
      const [error, fields] = replies[i] ?? [new Error('no reply')];
      if (error) throw error;
      const counts = Object.entries(fields as Record<string, string>).map(
        ([field, count]) => [field, Number(count)] as const,
      );
      return dayStats(day, Object.fromEntries(counts));
    });
  }
}
