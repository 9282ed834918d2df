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
import { GuessLimits } from '../store/guess.limits.js';
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
 * before it does. A user's first request for a coupon also checks that the user is registered and
 * not over the guess limit; the pair is then remembered for that coupon identity only, so a coupon
 * created anew (after a delete, or after Redis lost its data) checks its users again.
 *
 * A refusal for an unknown coupon keeps and logs nothing (anyone may send any code); it counts
 * against the user's GUESS_LIMIT_PER_HOUR, past which the user's first requests for any coupon
 * are refused TOO_MANY_ATTEMPTS, so guessing answers nothing.
 */
@Injectable()
export class RedemptionService {
  private readonly coupons = new Map<string, Coupon>();
  /** `<coupon born>/<userId>` of users seen registered and under the guess limit. */
  private readonly knownUsers = new Map<string, true>();

  constructor(
    private readonly couponRepository: CouponRepository,
    private readonly users: UsersService,
    private readonly ledger: UsageLedger,
    private readonly guesses: GuessLimits,
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
    let coupon = cached;
    let userKnown = true;
    // The common case needs no read at all; the ledger's commit checks the coupon's identity.
    if (!cached || !this.knownUsers.has(`${cached.born}/${request.userId}`)) {
      let blockedFor: number;
      [coupon, userKnown, blockedFor] = await Promise.all([
        cached ?? this.readCoupon(request.couponCode),
        this.users.isKnown(request.userId),
        this.guesses.blockedFor('user', request.userId),
      ]);
      if (!coupon || blockedFor > 0) {
        return this.refuseGuess(request, key, publication, blockedFor > 0, now);
      }
      if (userKnown) {
        remember(this.knownUsers, `${coupon.born}/${request.userId}`, true, MAX_KNOWN_USERS);
      }
    }
    const periods = periodsAt(now, this.config.couponTz);
    const ineligible = eligibility(coupon, userKnown, now);
    if (ineligible) {
      if (cached) return STALE_COUPON;
      const remaining = await this.remaining(coupon!, request.userId, periods);
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

  /**
   * An unknown coupon, or a user at the guess limit: nothing is kept or logged, but an order
   * already decided still gets its first outcome. Only the first counts as a guess.
   */
  private async refuseGuess(
    request: RedemptionRequest,
    key: string | undefined,
    publication: string,
    blocked: boolean,
    now: number,
  ): Promise<RedemptionOutcome> {
    const replayed = await this.ledger.replay(
      request.couponCode,
      key,
      { userId: request.userId, publication },
      now,
    );
    if (replayed) return replayed;
    const tooMany = blocked || (await this.guesses.guessed('user', request.userId)) > 0;
    const reason = tooMany ? 'TOO_MANY_ATTEMPTS' : 'COUPON_NOT_FOUND';
    return rejectedOutcome(request, reason, NOTHING_REMAINING, now);
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
