import { Injectable } from '@nestjs/common';
import type { Coupon, UsageCounts, User } from '../domain/coupon.js';
import { firstFullCounter } from '../domain/decide.js';
import { counterOutcome, type RedemptionOutcome } from '../domain/outcome.js';
import type { Periods } from '../domain/periods.js';
import {
  CouponStore,
  STALE_COUPON,
  type CreateUserResult,
  type Page,
  type RedeemAttempt,
  type SaveResult,
} from './coupon-store.js';

/** Per-user counts that belong to one period (a day or a week); counts of an older period read as 0. */
class WindowCounts {
  private period = '';
  private readonly counts = new Map<string, number>();

  get(userId: string, period: string): number {
    return period === this.period ? (this.counts.get(userId) ?? 0) : 0;
  }

  increment(userId: string, period: string): void {
    if (period !== this.period) {
      if (period < this.period) return; // a request from a period already over changes nothing now
      this.period = period;
      this.counts.clear();
    }
    this.counts.set(userId, (this.counts.get(userId) ?? 0) + 1);
  }
}

class CouponUsage {
  globalTotal = 0;
  readonly userTotals = new Map<string, number>();
  readonly weekly = new WindowCounts();
  readonly daily = new WindowCounts();
  readonly outcomes = new Map<string, RedemptionOutcome>();

  read(userId: string | undefined, periods: Periods): UsageCounts {
    if (userId === undefined)
      return { globalTotal: this.globalTotal, userTotal: 0, userWeekly: 0, userDaily: 0 };
    return {
      globalTotal: this.globalTotal,
      userTotal: this.userTotals.get(userId) ?? 0,
      userWeekly: this.weekly.get(userId, periods.week),
      userDaily: this.daily.get(userId, periods.day),
    };
  }

  countOneUse(userId: string, periods: Periods): void {
    this.globalTotal += 1;
    this.userTotals.set(userId, (this.userTotals.get(userId) ?? 0) + 1);
    this.weekly.increment(userId, periods.week);
    this.daily.increment(userId, periods.day);
  }
}

function page<T>(
  sortedKeys: string[],
  map: Map<string, T>,
  offset: number,
  limit: number,
): Page<T> {
  const items = sortedKeys
    .slice(offset, offset + limit)
    .map((key) => structuredClone(map.get(key)!));
  return { items, total: sortedKeys.length };
}

/**
 * The single-process store. Every method does its work synchronously, so each call is atomic
 * with respect to every other: no check and commit is ever split by an await.
 */
@Injectable()
export class MemoryCouponStore extends CouponStore {
  private readonly coupons = new Map<string, Coupon>();
  private readonly usage = new Map<string, CouponUsage>();
  private readonly users = new Map<string, User>();
  private readonly userIdsByEmail = new Map<string, string>();

  async createCoupon(coupon: Coupon): Promise<boolean> {
    if (this.coupons.has(coupon.code)) return false;
    this.coupons.set(coupon.code, structuredClone(coupon));
    this.usage.set(coupon.code, new CouponUsage());
    return true;
  }

  async getCoupon(code: string): Promise<Coupon | undefined> {
    const coupon = this.coupons.get(code);
    return coupon && structuredClone(coupon);
  }

  async listCoupons(offset: number, limit: number): Promise<Page<Coupon>> {
    return page([...this.coupons.keys()].sort(), this.coupons, offset, limit);
  }

  async saveCoupon(coupon: Coupon, expectedVersion: number): Promise<SaveResult> {
    const stored = this.coupons.get(coupon.code);
    if (!stored) return 'not-found';
    if (stored.version !== expectedVersion) return 'conflict';
    this.coupons.set(coupon.code, { ...structuredClone(coupon), version: expectedVersion + 1 });
    return 'saved';
  }

  async deleteCoupon(code: string): Promise<boolean> {
    this.usage.delete(code);
    return this.coupons.delete(code);
  }

  async createUser(user: User): Promise<CreateUserResult> {
    if (this.users.has(user.id)) return 'id-taken';
    const email = user.email.toLowerCase();
    if (this.userIdsByEmail.has(email)) return 'email-taken';
    this.users.set(user.id, structuredClone(user));
    this.userIdsByEmail.set(email, user.id);
    return 'created';
  }

  async getUser(id: string): Promise<User | undefined> {
    const user = this.users.get(id);
    return user && structuredClone(user);
  }

  async listUsers(offset: number, limit: number): Promise<Page<User>> {
    return page([...this.users.keys()].sort(), this.users, offset, limit);
  }

  async getUsage(code: string, userId: string | undefined, periods: Periods): Promise<UsageCounts> {
    return (this.usage.get(code) ?? new CouponUsage()).read(userId, periods);
  }

  async findOutcome(code: string, orderId: string): Promise<RedemptionOutcome | undefined> {
    return this.usage.get(code)?.outcomes.get(orderId);
  }

  async recordOutcome(outcome: RedemptionOutcome): Promise<RedemptionOutcome> {
    // Rejections for unknown coupons are not kept: there is no coupon to hang them on, and
    // nothing was counted, so deciding such a request again is harmless.
    const outcomes = this.usage.get(outcome.couponCode)?.outcomes;
    if (!outcomes || outcome.orderId === undefined) return outcome;
    const first = outcomes.get(outcome.orderId);
    if (first) return first;
    outcomes.set(outcome.orderId, outcome);
    return outcome;
  }

  async redeem(attempt: RedeemAttempt): Promise<RedemptionOutcome | typeof STALE_COUPON> {
    const { request, periods } = attempt;
    const usage = this.usage.get(request.couponCode);
    const first = request.orderId === undefined ? undefined : usage?.outcomes.get(request.orderId);
    if (first) return first;
    if (!usage || this.coupons.get(request.couponCode)?.version !== attempt.couponVersion) {
      return STALE_COUPON;
    }
    const full = firstFullCounter(attempt.limits, usage.read(request.userId, periods));
    if (!full) usage.countOneUse(request.userId, periods);
    const outcome = counterOutcome(
      request,
      {
        full,
        used: usage.read(request.userId, periods),
        limits: attempt.limits,
        discountPercentage: attempt.discountPercentage,
      },
      attempt.now,
    );
    if (request.orderId !== undefined) usage.outcomes.set(request.orderId, outcome);
    return outcome;
  }
}
