import { expiryOrder, isLive, type Hold } from '../../domain/holds.js';
import { countingPeriods } from '../../domain/ledger.js';
import type { Periods } from '../../domain/periods.js';
import { windowReport } from '../../domain/report.js';
import { usedPerBatch, type CodeBatch } from '../../domain/unique-codes.js';
import type { Page } from '../coupon.repository.js';
import { UsageReport, type LiveHold, type WindowLimits } from '../usage.report.js';
import type { MemoryData, WindowCounts } from './data.memory.js';

const NONE = new Map<string, number>();

/** Reads MemoryData as it is: expired holds are skipped, not dropped. */
export class MemoryUsageReport extends UsageReport {
  constructor(private readonly data: MemoryData) {
    super();
  }

  async busiestUsers(
    code: string,
    periods: Periods,
    limits: WindowLimits,
    top: number,
    now: number,
  ) {
    const usage = this.data.usage.get(code);
    const counting = countingPeriods(periods, usage?.newest ?? {});
    const live = usage ? [...usage.holds.all()].filter((hold) => isLive(hold, now)) : [];
    // A window's counts belong to its newest period; a later one reads 0 (ledger.windowCount).
    const counted = (window: WindowCounts | undefined, period: string) =>
      window?.period === period ? window.counts : NONE;
    return {
      day: windowReport(
        counting.day,
        counted(usage?.daily, counting.day),
        heldIn(live, (hold) => hold.periods.day === counting.day),
        limits.day,
        top,
      ),
      week: windowReport(
        counting.week,
        counted(usage?.weekly, counting.week),
        heldIn(live, (hold) => hold.periods.week === counting.week),
        limits.week,
        top,
      ),
    };
  }

  async liveHolds(code: string, limit: number, now: number): Promise<Page<LiveHold>> {
    const holds = this.data.usage.get(code)?.holds.all() ?? [];
    const live = [...holds].filter((hold) => isLive(hold, now)).sort(expiryOrder);
    return {
      items: live.slice(0, limit).map(({ orderId, userId, uniqueCode, reservedAt, expiresAt }) => ({
        orderId,
        userId,
        ...(uniqueCode !== undefined && { uniqueCode }),
        reservedAt,
        expiresAt,
      })),
      total: live.length,
    };
  }

  async usedCodesPerBatch(code: string, batches: readonly CodeBatch[]): Promise<number[]> {
    return usedPerBatch(batches, this.data.usage.get(code)?.codeUses ?? []);
  }
}

/** Live holds per user among those `inPeriod` picks. */
function heldIn(live: Hold[], inPeriod: (hold: Hold) => boolean): Map<string, number> {
  const held = new Map<string, number>();
  for (const hold of live)
    if (inPeriod(hold)) held.set(hold.userId, (held.get(hold.userId) ?? 0) + 1);
  return held;
}
