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
import type { RedeemJobData } from './redemption.contract.js';

/** How often a redemption is re-read when an admin changes the coupon under it. */
const MAX_STALE_RETRIES = 5;

/** Decides `redeem` requests: the domain's rules over the store's atomic commit. */
@Injectable()
export class RedemptionService {
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
      const outcome = await this.tryRedeem(request, key);
      if (outcome !== STALE_COUPON) return outcome;
    }
    throw new Error(`coupon ${request.couponCode} kept changing during redemption; will retry`);
  }

  private async tryRedeem(
    request: RedemptionRequest,
    key: string | undefined,
  ): Promise<RedemptionOutcome | typeof STALE_COUPON> {
    const now = this.clock.now();
    const [coupon, userKnown] = await Promise.all([
      this.store.getCoupon(request.couponCode),
      this.isUserKnown(request.userId),
    ]);
    const periods = periodsAt(now, this.config.couponTz);
    const ineligible = eligibility(coupon, userKnown, now);
    if (ineligible) {
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

  async isUserKnown(userId: string): Promise<boolean> {
    return !this.config.requireRegisteredUsers || (await this.store.getUser(userId)) !== undefined;
  }
}
