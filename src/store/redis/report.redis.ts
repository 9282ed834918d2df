import { COUPON_CODE_PATTERN } from '../../domain/coupon.js';
import type { Hold } from '../../domain/holds.js';
import { countingPeriods } from '../../domain/ledger.js';
import type { Periods } from '../../domain/periods.js';
import { windowReport } from '../../domain/report.js';
import { usedPerBatch, type CodeBatch } from '../../domain/unique-codes.js';
import type { Page } from '../coupon.repository.js';
import { UsageReport, type LiveHold, type WindowLimits } from '../usage.report.js';
import type { RedisClient } from './client.redis.js';
import { codeIndexOf, type RedisKeys } from './keys.redis.js';
import { decodeHold } from './ledger.redis.js';

/** Fields or members one HSCAN or ZRANGE call asks for: no call blocks Redis for long. */
const BATCH = 1000;
const NONE = new Map<string, number>();

/**
 * Plain reads of the keys the ledger's scripts write (keys.redis.ts, lua/includes/holds.lua): no
 * script, so nothing is dropped or logged. Each command names keys of the coupon's slot only, so
 * a cluster takes them as they are.
 */
export class RedisUsageReport extends UsageReport {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    super();
  }

  async busiestUsers(
    code: string,
    periods: Periods,
    limits: WindowLimits,
    top: number,
    now: number,
  ) {
    const k = this.keys;
    if (!COUPON_CODE_PATTERN.test(code)) {
      // No coupon has such a code: nothing was counted under it.
      return {
        day: windowReport(periods.day, NONE, NONE, limits.day, top),
        week: windowReport(periods.week, NONE, NONE, limits.week, top),
      };
    }
    const [day, week] = await this.redis.hmget(k.newestPeriods(code), 'day', 'week');
    const counting = countingPeriods(periods, { day: day ?? undefined, week: week ?? undefined });
    const [daily, weekly, held] = await Promise.all([
      this.scan(k.window(code, 'day', counting.day)),
      this.scan(k.window(code, 'week', counting.week)),
      this.heldPerUser(code, counting, now),
    ]);
    return {
      day: windowReport(counting.day, daily, held.day, limits.day, top),
      week: windowReport(counting.week, weekly, held.week, limits.week, top),
    };
  }

  async liveHolds(code: string, limit: number, now: number): Promise<Page<LiveHold>> {
    if (!COUPON_CODE_PATTERN.test(code)) return { items: [], total: 0 };
    const k = this.keys;
    const [total, orders] = await Promise.all([
      this.redis.zcount(k.holds(code), `(${now}`, '+inf'),
      this.redis.zrangebyscore(k.holds(code), `(${now}`, '+inf', 'LIMIT', 0, limit),
    ]);
    // A hold released or confirmed since the range was read is no longer live: it is left out.
    const items = (await this.holds(code, orders)).map(
      ({ orderId, userId, uniqueCode, reservedAt, expiresAt }): LiveHold => ({
        orderId,
        userId,
        ...(uniqueCode !== undefined && { uniqueCode }),
        reservedAt,
        expiresAt,
      }),
    );
    return { items, total };
  }

  async usedCodesPerBatch(code: string, batches: readonly CodeBatch[]): Promise<number[]> {
    // No coupon has such a code: no code of it was used.
    if (!COUPON_CODE_PATTERN.test(code)) return batches.map(() => 0);
    // scan keeps one value per field: a field HSCAN returns twice (as the hash grows) counts once.
    const uses = await this.scan(this.keys.codeUses(code));
    return usedPerBatch(batches, byIndex(uses));
  }

  /**
   * Uses live holds hold per user in the day and in the week. The held hash counts every hold
   * not yet dropped, so those already expired (left for the next counting step to drop) are
   * taken off again.
   */
  private async heldPerUser(code: string, periods: Periods, now: number) {
    const k = this.keys;
    const day = new Map<string, number>();
    const week = new Map<string, number>();
    const dayField = `d:${periods.day}:`;
    const weekField = `w:${periods.week}:`;
    for (const [field, count] of await this.scan(k.held(code))) {
      if (field.startsWith(dayField)) day.set(field.slice(dayField.length), count);
      else if (field.startsWith(weekField)) week.set(field.slice(weekField.length), count);
    }
    if (day.size === 0 && week.size === 0) return { day, week };
    const takeOff = (counts: Map<string, number>, userId: string) => {
      const left = (counts.get(userId) ?? 0) - 1;
      if (left > 0) counts.set(userId, left);
      else counts.delete(userId);
    };
    for (let offset = 0; ; offset += BATCH) {
      const expired = await this.redis.zrangebyscore(
        k.holds(code),
        '-inf',
        now,
        'LIMIT',
        offset,
        BATCH,
      );
      for (const hold of await this.holds(code, expired)) {
        if (hold.periods.day === periods.day) takeOff(day, hold.userId);
        if (hold.periods.week === periods.week) takeOff(week, hold.userId);
      }
      if (expired.length < BATCH) return { day, week };
    }
  }

  /** The holds of these orders that still have a record, in one pipeline. */
  private async holds(code: string, orders: string[]): Promise<Hold[]> {
    if (orders.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const orderId of orders) pipeline.hgetall(this.keys.holdPrefix(code) + orderId);
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([error, record], i) => {
      if (error) throw error;
      const fields = record as Record<string, string>;
      return fields.user === undefined ? [] : [decodeHold(orders[i]!, fields)];
    });
  }

  /** A hash of counts, read in batches with HSCAN (a field seen twice keeps its one value). */
  private async scan(key: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(key, cursor, 'COUNT', BATCH);
      for (let i = 0; i < flat.length; i += 2) counts.set(flat[i]!, Number(flat[i + 1]));
      cursor = next;
    } while (cursor !== '0');
    return counts;
  }
}

/** (codeField, uses) as (index, uses). */
function* byIndex(uses: Map<string, number>): Generator<[number, number]> {
  for (const [field, count] of uses) yield [codeIndexOf(field), count];
}
