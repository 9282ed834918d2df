import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { normalizeCouponCode, remainingUses, type Coupon } from '../domain/coupon.js';
import { eligibility, type RejectionReason } from '../domain/decide.js';
import {
  NOTHING_REMAINING,
  outcomeKey,
  rejectedOutcome,
  rejectedReservation,
  type RedemptionOutcome,
  type RedemptionRequest,
} from '../domain/outcome.js';
import { periodsAt, type Periods } from '../domain/periods.js';
import { CouponRepository, findCodeOwner, type CodeOwner } from '../store/coupon.repository.js';
import { placeCode, splitUniqueCode } from '../domain/unique-codes.js';
import { GuessLimits } from '../store/guess.limits.js';
import { STALE_COUPON, UsageLedger } from '../store/usage.ledger.js';
import { UsersService } from '../users/users.service.js';
import type {
  RedeemJobData,
  ReleaseJobData,
  ReleaseOutcome,
  ReservationOutcome,
  ReserveJobData,
  RollbackJobData,
  RollbackOutcome,
} from './redemption.contract.js';
import { holdExpiry, usedOrHeld, type Hold } from '../domain/holds.js';

/** How often a redemption is re-read when an admin changes the coupon under it. */
const MAX_STALE_RETRIES = 5;
/** Bounds on what is kept in memory between jobs: the oldest entries make room. */
const MAX_CACHED_COUPONS = 10_000;
const MAX_KNOWN_USERS = 100_000;
/** How long a user seen registered is trusted without a read: an erasure elsewhere takes this long. */
const KNOWN_USER_TTL_MS = 10_000;

/** A Map that forgets its oldest entry when full. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/**
 * The outcome kept for an order of a code, which an unknown code still answers: for a unique code
 * it is kept under its coupon, perhaps deleted since.
 */
export async function replayOf(
  ledger: UsageLedger,
  code: string,
  key: string | undefined,
  asked: { userId: string; publication: string; now: number },
): Promise<RedemptionOutcome | undefined> {
  const request = { userId: asked.userId, publication: asked.publication };
  const split = splitUniqueCode(code);
  const replayed =
    split && (await ledger.replay(split.coupon, key, { ...request, uniqueCode: code }, asked.now));
  return replayed || ledger.replay(code, key, request, asked.now);
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
  /** `<coupon born>/<userId>` of users seen registered and under the guess limit: when (ms). */
  private readonly knownUsers = new Map<string, number>();

  constructor(
    private readonly couponRepository: CouponRepository,
    private readonly users: UsersService,
    private readonly ledger: UsageLedger,
    private readonly guesses: GuessLimits,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    users.onRemoved((userId) => this.forgetUser(userId));
  }

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
    return this.retryingStale('redemption', request.couponCode, (first) =>
      this.tryRedeem(request, key, publication, first),
    );
  }

  /** Runs `attempt` again, re-reading the coupon, while an admin changes it under the commit. */
  private async retryingStale<T>(
    what: string,
    code: string,
    attempt: (first: boolean) => Promise<T | typeof STALE_COUPON>,
  ): Promise<T> {
    for (let tries = 0; tries < MAX_STALE_RETRIES; tries++) {
      const outcome = await attempt(tries === 0);
      if (outcome !== STALE_COUPON) return outcome;
    }
    throw new Error(`coupon ${code} kept changing during ${what}; will retry`);
  }

  private async tryRedeem(
    submitted: RedemptionRequest,
    key: string | undefined,
    publication: string,
    mayUseCache: boolean,
  ): Promise<RedemptionOutcome | typeof STALE_COUPON> {
    const now = this.clock.now();
    const found = await this.ownerOf(submitted, mayUseCache);
    if (!found.owner || found.blocked) {
      return this.refuseGuess(submitted, key, publication, found.blocked, now);
    }
    const { coupon, uniqueCode } = found.owner;
    const request = uniqueCode ? { ...submitted, coupon: coupon.code } : submitted;
    const periods = periodsAt(now, this.config.couponTz);
    const ineligible = eligibility(coupon, found.userKnown, now);
    if (ineligible) {
      if (found.cached) return STALE_COUPON;
      return this.ledger.recordRejection({
        outcome: await this.ineligibleOutcome(found.owner, request, ineligible, periods, now),
        publication,
        outcomeKey: key,
        now,
      });
    }
    return this.ledger.redeem({
      request,
      publication,
      outcomeKey: key,
      coupon,
      ...(uniqueCode && {
        uniqueCode: { index: uniqueCode.index, limit: uniqueCode.batch.usesPerCode },
      }),
      periods,
      now,
    });
  }

  /**
   * The coupon a request names, from the cache when allowed: the common case needs no read at all
   * (the ledger's commit checks the coupon's identity). A user's first request for a coupon also
   * checks that the user is registered and not over the guess limit.
   */
  private async ownerOf(
    submitted: RedemptionRequest,
    mayUseCache: boolean,
  ): Promise<{ owner?: CodeOwner; userKnown: boolean; cached: boolean; blocked: boolean }> {
    const cached = mayUseCache ? this.cachedOwner(submitted.couponCode) : undefined;
    if (cached && this.isKnownUser(cached.coupon, submitted.userId)) {
      return { owner: cached, userKnown: true, cached: true, blocked: false };
    }
    const [owner, userKnown, blockedFor] = await Promise.all([
      cached ?? findCodeOwner(this.couponReader, submitted.couponCode),
      this.users.isKnown(submitted.userId),
      this.guesses.blockedFor('user', submitted.userId),
    ]);
    // A user who already redeems this coupon is never blocked by guesses at other codes.
    const blocked = blockedFor > 0 && !(owner && this.isKnownUser(owner.coupon, submitted.userId));
    if (owner && userKnown && !blocked) {
      remember(
        this.knownUsers,
        `${owner.coupon.born}/${submitted.userId}`,
        this.clock.now(),
        MAX_KNOWN_USERS,
      );
    }
    return { owner, userKnown, cached: cached !== undefined, blocked };
  }

  /**
   * Whether the user was seen registered (and under the guess limit) for this coupon identity in
   * the last KNOWN_USER_TTL_MS: an erasure in this process forgets the user at once, one in
   * another process within that time.
   */
  private isKnownUser(coupon: Coupon, userId: string): boolean {
    const seen = this.knownUsers.get(`${coupon.born}/${userId}`);
    return seen !== undefined && this.clock.now() - seen < KNOWN_USER_TTL_MS;
  }

  /** Forgets an erased user (UsersService.onRemoved). */
  private forgetUser(userId: string): void {
    // Keys are `<born>/<userId>`; birth ids are hex, so the first '/' ends them.
    for (const key of this.knownUsers.keys()) {
      if (key.slice(key.indexOf('/') + 1) === userId) this.knownUsers.delete(key);
    }
  }

  /** The refusal by a coupon- or user-level rule; a revoked code is refused as such before any. */
  private async ineligibleOutcome(
    owner: CodeOwner,
    request: RedemptionRequest,
    ineligible: RejectionReason,
    periods: Periods,
    now: number,
  ): Promise<RedemptionOutcome> {
    const { coupon, uniqueCode } = owner;
    const revoked =
      uniqueCode && (await this.ledger.codeState(coupon.code, uniqueCode.index)).revoked;
    const remaining = await this.remaining(coupon, request.userId, periods, now);
    return rejectedOutcome(request, revoked ? 'CODE_REVOKED' : ineligible, remaining, now);
  }

  /**
   * Decides a `reserve` as a redemption is decided (the same rules and reasons), holding the use
   * for ttlSeconds (HOLD_TTL_SECONDS by default) instead of counting it. A refusal keeps nothing.
   */
  async reserve(data: ReserveJobData, publication = ''): Promise<ReservationOutcome> {
    const { ttlSeconds, ...rest } = data;
    const request = { ...rest, couponCode: normalizeCouponCode(data.couponCode) };
    const ttl = ttlSeconds ?? this.config.holdTtlSeconds;
    return this.retryingStale('reservation', request.couponCode, (first) =>
      this.tryReserve(request, ttl, publication, first),
    );
  }

  private async tryReserve(
    submitted: RedemptionRequest & { orderId: string },
    ttlSeconds: number,
    publication: string,
    mayUseCache: boolean,
  ): Promise<ReservationOutcome | typeof STALE_COUPON> {
    const now = this.clock.now();
    const found = await this.ownerOf(submitted, mayUseCache);
    if (!found.owner || found.blocked) {
      const reason = await this.guessRefusal(submitted.userId, found.blocked);
      return rejectedReservation(submitted, reason, NOTHING_REMAINING, now);
    }
    const { coupon, uniqueCode } = found.owner;
    const request = uniqueCode ? { ...submitted, coupon: coupon.code } : submitted;
    const periods = periodsAt(now, this.config.couponTz);
    const ineligible = eligibility(coupon, found.userKnown, now);
    if (ineligible) {
      if (found.cached) return STALE_COUPON;
      const { reason, remaining } = await this.ineligibleOutcome(
        found.owner,
        request,
        ineligible,
        periods,
        now,
      );
      return rejectedReservation(request, reason!, remaining, now);
    }
    return this.ledger.reserve({
      request,
      publication,
      outcomeKey: outcomeKey(request.orderId, undefined)!,
      coupon,
      ...(uniqueCode && {
        uniqueCode: { index: uniqueCode.index, limit: uniqueCode.batch.usesPerCode },
      }),
      periods,
      now,
      expiresAt: holdExpiry(now, ttlSeconds),
    });
  }

  /** Frees the order's live hold (see UsageLedger.release). */
  async release(data: ReleaseJobData): Promise<ReleaseOutcome> {
    const request = { ...data, couponCode: normalizeCouponCode(data.couponCode) };
    const now = this.clock.now();
    const coupon = await this.rollbackCoupon(request.couponCode);
    const result = await this.ledger.release({
      coupon,
      orderId: request.orderId,
      userId: request.userId,
      ...(coupon !== request.couponCode && { uniqueCode: request.couponCode }),
      now,
    });
    const processedAt = new Date(now).toISOString();
    return result === 'released'
      ? { status: 'released', ...request, processedAt }
      : { status: 'rejected', reason: 'RESERVATION_NOT_FOUND', ...request, processedAt };
  }

  /** The order's live hold under the code (the coupon's, or the hold's own unique code). */
  async findHold(code: string, orderId: string): Promise<Hold | undefined> {
    const normalized = normalizeCouponCode(code);
    const coupon = await this.rollbackCoupon(normalized);
    const hold = await this.ledger.findHold(coupon, orderId, this.clock.now());
    if (hold && coupon !== normalized && hold.uniqueCode !== normalized) return undefined;
    return hold;
  }

  /**
   * The cached coupon of a code. A unique code the cached copy cannot place (a batch created since,
   * or a forged body) is read afresh before it is refused.
   */
  private cachedOwner(code: string): CodeOwner | undefined {
    const split = splitUniqueCode(code);
    if (split) {
      const coupon = this.coupons.get(split.coupon);
      const uniqueCode = coupon && placeCode(coupon.code, coupon.codes, code);
      if (uniqueCode) return { coupon: coupon!, uniqueCode };
    }
    const coupon = this.coupons.get(code);
    return coupon && { coupon };
  }

  /**
   * An unknown coupon, or a user at the guess limit: nothing is kept or logged, but an order
   * already decided still gets its first outcome (kept under its coupon, also for a unique code
   * whose coupon is gone). Only the first counts as a guess.
   */
  private async refuseGuess(
    request: RedemptionRequest,
    key: string | undefined,
    publication: string,
    blocked: boolean,
    now: number,
  ): Promise<RedemptionOutcome> {
    const replayed = await replayOf(this.ledger, request.couponCode, key, {
      userId: request.userId,
      publication,
      now,
    });
    if (replayed) return replayed;
    const reason = await this.guessRefusal(request.userId, blocked);
    return rejectedOutcome(request, reason, NOTHING_REMAINING, now);
  }

  /** An unknown code counts as the user's guess; past the limit it is TOO_MANY_ATTEMPTS. */
  private async guessRefusal(userId: string, blocked: boolean): Promise<RejectionReason> {
    const tooMany = blocked || (await this.guesses.guessed('user', userId)) > 0;
    return tooMany ? 'TOO_MANY_ATTEMPTS' : 'COUPON_NOT_FOUND';
  }

  /** What the user has left of the coupon now, live holds counted. */
  private async remaining(coupon: Coupon, userId: string, periods: Periods, now: number) {
    const { used, held } = await this.ledger.counts(coupon.code, userId, periods, now);
    return remainingUses(coupon.repeatCounts, usedOrHeld(used, held));
  }

  /** Gives back the use of an order's accepted redemption (see UsageLedger.rollback). */
  async rollback(data: RollbackJobData, publication = ''): Promise<RollbackOutcome> {
    const request = { ...data, couponCode: normalizeCouponCode(data.couponCode) };
    const now = this.clock.now();
    const result = await this.ledger.rollback({
      request: { ...request, couponCode: await this.rollbackCoupon(request.couponCode) },
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

  /**
   * The codes whose `redeem` job ids a rolled-back order may have been published under: the code
   * the rollback names and, when the order was decided with a unique code, that code (a rollback
   * may name the coupon's code instead).
   */
  async redeemJobCodes(outcome: RollbackOutcome): Promise<string[]> {
    const coupon = await this.rollbackCoupon(outcome.couponCode);
    const used = await this.ledger.keptUniqueCode(coupon, outcomeKey(outcome.orderId, undefined)!);
    return used === undefined || used === outcome.couponCode
      ? [outcome.couponCode]
      : [outcome.couponCode, used];
  }

  /**
   * The coupon whose order a rollback names: for a unique code its coupon (the redemption is kept
   * there, and gives the code's use back too), also when that coupon is gone; a body its coupon
   * does not place names no order of it.
   */
  private async rollbackCoupon(code: string): Promise<string> {
    const split = splitUniqueCode(code);
    if (!split) return code;
    const [coupon, plain] = await Promise.all([
      this.couponRepository.get(split.coupon),
      this.couponRepository.get(code),
    ]);
    if (coupon && placeCode(coupon.code, coupon.codes, code)) return split.coupon;
    return plain || coupon ? code : split.coupon;
  }

  /** Reads through the cache of coupons. */
  private readonly couponReader = { get: (code: string) => this.readCoupon(code) };

  private async readCoupon(code: string): Promise<Coupon | undefined> {
    const coupon = await this.couponRepository.get(code);
    if (coupon) remember(this.coupons, code, coupon, MAX_CACHED_COUPONS);
    else this.coupons.delete(code);
    return coupon;
  }
}
