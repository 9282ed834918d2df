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
import { CouponRepository } from '../store/coupon.repository.js';
import { STALE_COUPON, UsageLedger } from '../store/usage.ledger.js';
import { UsersService } from '../users/users.service.js';
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
 * Decides `redeem` requests: the domain's rules over the ledger's atomic commit. Coupons are read
 * from a cache first: the commit checks the coupon's identity (birth id and version), so a stale
 * copy costs a re-read, never a wrong count, and a copy that would refuse the request is re-read
 * before it does. A user found registered is remembered for that coupon identity only, so a
 * coupon created anew (after a delete, or after Redis lost its data) checks its users again.
 */
@Injectable()
export class RedemptionService {
  private readonly coupons = new Map<string, Coupon>();
  /** `<coupon born>/<userId>` of registered users; users are never deleted. */
  private readonly knownUsers = new Map<string, true>();

  constructor(
    private readonly couponRepository: CouponRepository,
    private readonly users: UsersService,
    private readonly ledger: UsageLedger,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Decides one request; `publication` (publicationId of its job) tells a re-run of the same job
   * from a new publish, and keys the outcome of a request without an orderId. Both ways an
   * outcome is kept (recordRejection for a rule, redeem for a counter check) meet what is kept
   * under its key first, so a replay needs no lookup before.
   */
  async redeem(data: RedeemJobData, publication = ''): Promise<RedemptionOutcome> {
    const request: RedemptionRequest = {
      ...data,
      couponCode: normalizeCouponCode(data.couponCode),
    };
    const key = outcomeKey(request.orderId, publication);
    for (let attempt = 0; attempt < MAX_STALE_RETRIES; attempt++) {
      const outcome = await this.tryRedeem(request, key, publication, attempt === 0);
      if (outcome !== STALE_COUPON) return outcome;
    }
    throw new Error(`coupon ${request.couponCode} kept changing during redemption; will retry`);
  }

  private async tryRedeem(
    request: RedemptionRequest,
    key: string | undefined,
    publication: string,
    mayUseCache: boolean,
  ): Promise<RedemptionOutcome | typeof STALE_COUPON> {
    const now = this.clock.now();
    const cached = mayUseCache ? this.coupons.get(request.couponCode) : undefined;
    // The common case needs no read at all; the ledger's commit checks the coupon's identity.
    const [coupon, userKnown] =
      cached && this.knownFor(cached, request.userId)
        ? [cached, true]
        : await this.readCouponAndUser(request, cached);
    const periods = periodsAt(now, this.config.couponTz);
    const ineligible = eligibility(coupon, userKnown, now);
    if (ineligible) {
      if (cached) return STALE_COUPON;
      const remaining = coupon
        ? await this.remaining(coupon, request.userId, periods)
        : NOTHING_REMAINING;
      return this.ledger.recordRejection({
        outcome: rejectedOutcome(request, ineligible, remaining, now),
        publication,
        outcomeKey: key,
        now,
      });
    }
    return this.ledger.redeem({
      request,
      publication,
      outcomeKey: key,
      coupon: coupon!,
      periods,
      now,
    });
  }

  private knownFor(coupon: Coupon, userId: string): boolean {
    return !this.config.requireRegisteredUsers || this.knownUsers.has(`${coupon.born}/${userId}`);
  }

  private async readCouponAndUser(
    request: RedemptionRequest,
    cached: Coupon | undefined,
  ): Promise<[Coupon | undefined, boolean]> {
    const [coupon, known] = await Promise.all([
      cached ?? this.readCoupon(request.couponCode),
      this.users.isKnown(request.userId),
    ]);
    if (known && coupon && this.config.requireRegisteredUsers) {
      remember(this.knownUsers, `${coupon.born}/${request.userId}`, true, MAX_KNOWN_USERS);
    }
    return [coupon, known];
  }

  private async remaining(coupon: Coupon, userId: string, periods: Periods) {
    const used = await this.ledger.usage(coupon.code, userId, periods);
    return remainingUses(coupon.repeatCounts, used);
  }

  /** Gives back the use of an order's accepted redemption (see UsageLedger.rollback). */
  async rollback(data: RollbackJobData, publication = ''): Promise<RollbackOutcome> {
    const request = { ...data, couponCode: normalizeCouponCode(data.couponCode) };
    const now = this.clock.now();
    const result = await this.ledger.rollback({
      request,
      publication,
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
    const coupon = await this.couponRepository.get(code);
    if (coupon) remember(this.coupons, code, coupon, MAX_CACHED_COUPONS);
    else this.coupons.delete(code);
    return coupon;
  }
}
