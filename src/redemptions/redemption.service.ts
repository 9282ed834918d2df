import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { normalizeCouponCode, remainingUses, type Coupon } from '../domain/coupon.js';
import { eligibility } from '../domain/decide.js';
import {
  NOTHING_REMAINING,
  outcomeKey,
  rejectedOutcome,
  type RedemptionOutcome,
  type RedemptionRequest,
} from '../domain/outcome.js';
import { periodsAt, type Periods } from '../domain/periods.js';
import { CouponStore, STALE_COUPON } from '../store/coupon-store.js';
import type { RedeemJobData, RollbackJobData, RollbackOutcome } from './redemption.contract.js';

/** How often a redemption is re-read when an admin changes the coupon under it. */
const MAX_STALE_RETRIES = 5;
/** Bounds on what is kept in memory between jobs: the oldest entries make room. */
const MAX_CACHED_COUPONS = 10_000;
const MAX_KNOWN_USERS = 100_000;

/** A Map that forgets its oldest entry when full. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/**
 * Decides `redeem` requests: the domain's rules over the store's atomic commit. Coupons are read
 * from a cache first: the commit checks the coupon version, so a stale copy costs a re-read, never
 * a wrong count, and a copy that would refuse the request is re-read before it does.
 */
@Injectable()
export class RedemptionService {
  private readonly coupons = new Map<string, Coupon>();
  /** Users are never deleted, so a registered user stays registered. */
  private readonly knownUsers = new Map<string, true>();

  constructor(
    private readonly store: CouponStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Decides one request; `jobId` keys the outcome of a request without an orderId. Both ways an
   * outcome is kept (recordOutcome for a rule rejection, redeem for a counter check) return the
   * first outcome under its key when there is one, so a replay needs no lookup first.
   */
  async redeem(data: RedeemJobData, jobId?: string): Promise<RedemptionOutcome> {
    const request: RedemptionRequest = {
      ...data,
      couponCode: normalizeCouponCode(data.couponCode),
    };
    const key = outcomeKey(request.orderId, jobId);
    for (let attempt = 0; attempt < MAX_STALE_RETRIES; attempt++) {
      const outcome = await this.tryRedeem(request, key, attempt === 0);
      if (outcome !== STALE_COUPON) return outcome;
    }
    throw new Error(`coupon ${request.couponCode} kept changing during redemption; will retry`);
  }

  private async tryRedeem(
    request: RedemptionRequest,
    key: string | undefined,
    mayUseCache: boolean,
  ): Promise<RedemptionOutcome | typeof STALE_COUPON> {
    const now = this.clock.now();
    const cached = mayUseCache ? this.coupons.get(request.couponCode) : undefined;
    // The common case needs no read at all; the store's commit checks the coupon version.
    const [coupon, userKnown] =
      cached && (!this.config.requireRegisteredUsers || this.knownUsers.has(request.userId))
        ? [cached, true]
        : await Promise.all([
            cached ?? this.readCoupon(request.couponCode),
            this.isUserKnown(request.userId),
          ]);
    const periods = periodsAt(now, this.config.couponTz);
    const ineligible = eligibility(coupon, userKnown, now);
    if (ineligible) {
      if (cached) return STALE_COUPON;
      const remaining = coupon
        ? await this.remaining(coupon, request.userId, periods)
        : NOTHING_REMAINING;
      return this.store.recordOutcome(
        key,
        rejectedOutcome(request, ineligible, remaining, now),
        now,
      );
    }
    return this.store.redeem({
      request,
      outcomeKey: key,
      couponVersion: coupon!.version,
      limits: coupon!.repeatCounts,
      discountPercentage: coupon!.discountPercentage,
      periods,
      now,
    });
  }

  private async remaining(coupon: Coupon, userId: string, periods: Periods) {
    const used = await this.store.getUsage(coupon.code, userId, periods);
    return remainingUses(coupon.repeatCounts, used);
  }

  /** Gives back the use of an order's accepted redemption (see CouponStore.rollback). */
  async rollback(data: RollbackJobData): Promise<RollbackOutcome> {
    const request = { ...data, couponCode: normalizeCouponCode(data.couponCode) };
    const now = this.clock.now();
    const result = await this.store.rollback({
      request,
      outcomeKey: outcomeKey(request.orderId, undefined)!,
      periods: periodsAt(now, this.config.couponTz),
      now,
    });
    const processedAt = new Date(now).toISOString();
    switch (result.status) {
      case 'rolled-back':
        return { status: 'rolled-back', ...request, restored: result.restored, processedAt };
      case 'already-rolled-back':
        return { status: 'already-rolled-back', ...request, processedAt };
      case 'not-found':
        return { status: 'rejected', reason: 'REDEMPTION_NOT_FOUND', ...request, processedAt };
    }
  }

  private async readCoupon(code: string): Promise<Coupon | undefined> {
    const coupon = await this.store.getCoupon(code);
    if (coupon) remember(this.coupons, code, coupon, MAX_CACHED_COUPONS);
    else this.coupons.delete(code);
    return coupon;
  }

  async isUserKnown(userId: string): Promise<boolean> {
    if (!this.config.requireRegisteredUsers || this.knownUsers.has(userId)) return true;
    const known = (await this.store.getUser(userId)) !== undefined;
    if (known) remember(this.knownUsers, userId, true, MAX_KNOWN_USERS);
    return known;
  }
}
