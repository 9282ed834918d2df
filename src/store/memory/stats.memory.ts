import { dayStats, type DayStats } from '../../domain/stats.js';
import { RedemptionStats } from '../redemption.log.js';
import type { MemoryData } from './data.memory.js';

export class MemoryRedemptionStats extends RedemptionStats {
  constructor(private readonly data: MemoryData) {
    super();
  }

  async days(code: string, days: string[]): Promise<DayStats[]> {
    const kept = this.data.stats.get(code);
    return days.map((day) => dayStats(day, Object.fromEntries(kept?.get(day) ?? [])));
  }
}
