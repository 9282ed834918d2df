import {
  COUPON_CODE_PATTERN,
  remainingUses,
  type Coupon,
  type UsageCounts,
} from '../../domain/coupon.js';
import { firstFullCounter } from '../../domain/decide.js';
import { codeRefusal } from '../../domain/unique-codes.js';
import {
  countersToGiveBack,
  countingPeriods,
  earlierRollback,
  isSameCoupon,
  keepTimes,
  NOTHING_RESTORED,
  keptUniqueCode,
  redeemVerdict,
  resetFrees,
  rollbacksToCarry,
  rollbackVerdict,
  standingOutcome,
  type KeptOutcome,
} from '../../domain/ledger.js';
import {
  confirmedWindows,
  holdSupersedes,
  holdVerdict,
  isLive,
  releases,
  reserveVerdict,
  usedOrHeld,
  type Hold,
} from '../../domain/holds.js';
import { LIMIT_REASONS } from '../../domain/decide.js';
import {
  counterOutcome,
  rejectedOutcome,
  rejectedReservation,
  reservedOutcome,
  type RedemptionOutcome,
} from '../../domain/outcome.js';
import type { ReservationOutcome } from '@coupon-code-service/client/contract';
import type { Periods } from '../../domain/periods.js';
import {
  STALE_COUPON,
  UsageLedger,
  type RedeemAttempt,
  type RejectionAttempt,
  type ResetResult,
  type RollbackAttempt,
  type RollbackResult,
  type Window,
  type Erased,
  type CodeState,
  type RevokeResult,
  type ReserveAttempt,
  type ReleaseAttempt,
  type Counts,
} from '../usage.ledger.js';
import {
  CouponUsage,
  type MemoryData,
  type MemoryKeptOutcome,
  type WindowCounts,
} from './data.memory.js';

/** A unique code's refusal (unique-codes.codeRefusal), its live holds counted as uses. */
function codeSpent(usage: CouponUsage, code: RedeemAttempt['uniqueCode']) {
  if (!code) return undefined;
  const used = (usage.codeUses.get(code.index) ?? 0) + usage.holds.codeHeld(code.index);
  return codeRefusal({ used, revoked: usage.revokedCodes.has(code.index) }, code.limit);
}

const ONE_OF_EACH = { globalTotal: 1, userTotal: 1, userWeekly: 1, userDaily: 1 };

const limitReason = (full: keyof typeof LIMIT_REASONS | null) => full && LIMIT_REASONS[full];

/** What an unknown coupon reads as: nothing used. */
const NO_COUPON_USAGE = new CouponUsage('');

/** Outcomes are kept and handed out as copies: a caller changing one changes nothing kept. */
const copyOutcome = (outcome: RedemptionOutcome): RedemptionOutcome => ({
  ...outcome,
  remaining: { ...outcome.remaining },
});

/** The usage ledger in process memory: the domain's ledger policy applied to plain maps. */
export class MemoryUsageLedger extends UsageLedger {
  constructor(private readonly data: MemoryData) {
    super();
  }

  async redeem(attempt: RedeemAttempt): Promise<RedemptionOutcome | typeof STALE_COUPON> {
    const { request, now, outcomeKey: key, uniqueCode } = attempt;
    const code = attempt.coupon.code;
    const submitted = uniqueCode && request.couponCode;
    const usage = this.liveUsage(code, now);
    const kept = this.kept(code, key);
    const hold = request.orderId === undefined ? undefined : usage?.holds.get(request.orderId);
    const meetsHold = holdVerdict(
      hold,
      kept,
      { userId: request.userId, publication: attempt.publication, uniqueCode: submitted },
      now,
    );
    const answered =
      meetsHold === 'conflict'
        ? this.conflict(code, submitted, request, now, () => this.remaining(attempt))
        : meetsHold === undefined &&
          this.answerFromKept(code, submitted, kept, request, attempt.publication, now, () =>
            this.remaining(attempt),
          );
    if (answered) return answered;
    const coupon = this.data.coupons.get(code);
    if (!usage || !isSameCoupon(coupon, attempt.coupon)) return STALE_COUPON;
    const periods = countingPeriods(attempt.periods, usage.newest);
    const { repeatCounts: limits, discountPercentage } = attempt.coupon;
    // A code revoked since the hold refuses the confirm (decided below as any redeem).
    const codeRevoked = hold?.codeIndex !== undefined && usage.revokedCodes.has(hold.codeIndex);
    if (meetsHold === 'confirm' && !codeRevoked) {
      return this.confirm(attempt, usage, hold!, kept, periods);
    }
    const spent = codeSpent(usage, uniqueCode);
    const full = spent
      ? null
      : firstFullCounter(limits, usage.readWithHolds(request.userId, periods));
    const accepted = !spent && !full;
    if (accepted) this.count(usage, request.userId, periods, uniqueCode?.index);
    const used = usage.readWithHolds(request.userId, periods);
    const outcome = spent
      ? rejectedOutcome(request, spent, remainingUses(limits, used), now)
      : counterOutcome(request, { full, used, limits, discountPercentage }, now);
    this.data.log(code, outcome, outcome.status, now, submitted);
    const counted = accepted ? { born: usage.born, periods, resets: usage.resets } : undefined;
    const codeIndex = accepted ? uniqueCode?.index : undefined;
    this.keep(code, key, kept, outcome, attempt.publication, now, counted, codeIndex);
    return outcome;
  }

  /** Counts one use on every counter, and on the unique code when there is one. */
  private count(
    usage: CouponUsage,
    userId: string,
    windows: { day?: string; week?: string },
    codeIndex: number | undefined,
  ): void {
    usage.globalTotal += 1;
    usage.userTotals.set(userId, (usage.userTotals.get(userId) ?? 0) + 1);
    if (windows.week !== undefined) usage.weekly.increment(userId, windows.week);
    if (windows.day !== undefined) usage.daily.increment(userId, windows.day);
    if (codeIndex !== undefined) {
      usage.codeUses.set(codeIndex, (usage.codeUses.get(codeIndex) ?? 0) + 1);
    }
  }

  /**
   * The holder's redeem of a live hold: the held use becomes a counted one, in the hold's day and
   * week (holds.confirmedWindows), with no limit checked again.
   */
  private confirm(
    attempt: RedeemAttempt,
    usage: CouponUsage,
    hold: Hold,
    kept: KeptOutcome | undefined,
    periods: Periods,
  ): RedemptionOutcome {
    const { request, now } = attempt;
    const code = attempt.coupon.code;
    usage.holds.remove(hold);
    // The coupon counts in these periods from now on, as after any counted use.
    usage.startPeriods(periods);
    const windows = confirmedWindows(hold, periods);
    this.count(
      usage,
      request.userId,
      { day: windows.day ? periods.day : undefined, week: windows.week ? periods.week : undefined },
      hold.codeIndex,
    );
    const used = usage.readWithHolds(request.userId, periods);
    const { repeatCounts: limits, discountPercentage } = attempt.coupon;
    const outcome: RedemptionOutcome = {
      ...counterOutcome(request, { full: null, used, limits, discountPercentage }, now),
      hold: 'confirmed',
    };
    this.data.log(code, outcome, 'confirmed', now, hold.uniqueCode);
    const counted = { born: usage.born, periods: hold.periods, resets: usage.resets };
    this.keep(
      code,
      attempt.outcomeKey,
      kept,
      outcome,
      attempt.publication,
      now,
      counted,
      hold.codeIndex,
    );
    return outcome;
  }

  async reserve(attempt: ReserveAttempt): Promise<ReservationOutcome | typeof STALE_COUPON> {
    const { request, now, uniqueCode } = attempt;
    const code = attempt.coupon.code;
    const submitted = uniqueCode && request.couponCode;
    const usage = this.liveUsage(code, now);
    const hold = usage?.holds.get(request.orderId);
    const kept = this.kept(code, attempt.outcomeKey);
    const { repeatCounts: limits } = attempt.coupon;
    const madeBefore = this.data.reserveRun(code, attempt.publication, now);
    const verdict = reserveVerdict(
      hold,
      kept,
      { userId: request.userId, uniqueCode: submitted },
      now,
      madeBefore,
    );
    switch (verdict) {
      case 'rerun':
        return reservedOutcome(request, madeBefore!);
      case 'replay':
        return reservedOutcome(request, hold!);
      case 'conflict':
        return rejectedReservation(request, 'ORDER_CONFLICT', this.remaining(attempt), now);
      case 'decide':
        break;
    }
    if (!usage || !isSameCoupon(this.data.coupons.get(code), attempt.coupon)) return STALE_COUPON;
    const periods = countingPeriods(attempt.periods, usage.newest);
    const spent = codeSpent(usage, uniqueCode);
    const used = usage.readWithHolds(request.userId, periods);
    const refusal = spent || limitReason(firstFullCounter(limits, used));
    if (refusal) {
      return rejectedReservation(request, refusal, remainingUses(limits, used), now);
    }
    const held: Hold = {
      orderId: request.orderId,
      userId: request.userId,
      ...(uniqueCode && { uniqueCode: submitted, codeIndex: uniqueCode.index }),
      periods,
      reservedAt: now,
      expiresAt: attempt.expiresAt,
      remaining: remainingUses(limits, usedOrHeld(used, ONE_OF_EACH)),
    };
    usage.holds.add(held);
    this.data.keepReserveRun(code, attempt.publication, held, now);
    if (holdSupersedes(kept, now)) kept!.keptUntil = now;
    usage.startPeriods(periods);
    this.data.log(code, request, 'reserved', now, submitted);
    return reservedOutcome(request, held);
  }

  async release(attempt: ReleaseAttempt): Promise<'released' | 'not-found'> {
    const usage = this.liveUsage(attempt.coupon, attempt.now);
    const hold = usage?.holds.get(attempt.orderId);
    if (!releases(hold, attempt, attempt.now)) return 'not-found';
    usage!.holds.remove(hold);
    this.data.log(attempt.coupon, hold, 'released', attempt.now, hold.uniqueCode);
    return 'released';
  }

  async findHold(coupon: string, orderId: string, now: number): Promise<Hold | undefined> {
    // A read: an expired hold is left for a counting step to drop and log, as in Redis.
    const hold = this.data.usage.get(coupon)?.holds.get(orderId);
    if (!isLive(hold, now)) return undefined;
    return { ...hold, periods: { ...hold.periods }, remaining: { ...hold.remaining } };
  }

  async counts(
    code: string,
    userId: string | undefined,
    periods: Periods,
    now: number,
    codeIndex?: number,
  ): Promise<Counts> {
    const usage = this.liveUsage(code, now) ?? NO_COUPON_USAGE;
    const counting = countingPeriods(periods, usage.newest);
    return {
      used: usage.read(userId, counting),
      held: usage.holds.held(userId, counting),
      codeHeld: codeIndex === undefined ? 0 : usage.holds.codeHeld(codeIndex),
    };
  }

  /** The coupon's usage with its expired holds dropped (and logged) at `now`. */
  private liveUsage(code: string, now: number): CouponUsage | undefined {
    const usage = this.data.usage.get(code);
    if (!usage) return undefined;
    for (const hold of usage.holds.expire(now)) {
      this.data.log(code, hold, 'expired', now, hold.uniqueCode);
      this.expiredHolds += 1;
    }
    return usage;
  }

  async recordRejection(attempt: RejectionAttempt): Promise<RedemptionOutcome> {
    const { outcome, now, outcomeKey: key } = attempt;
    const code = outcome.coupon ?? outcome.couponCode;
    const submitted = outcome.coupon === undefined ? undefined : outcome.couponCode;
    // A code no coupon can have is refused the same way every time: nothing to keep or log.
    if (!COUPON_CODE_PATTERN.test(code)) return outcome;
    const kept = this.kept(code, key);
    const answered = this.answerFromKept(
      code,
      submitted,
      kept,
      outcome,
      attempt.publication,
      now,
      () => outcome.remaining,
    );
    if (answered) return answered;
    this.data.log(code, outcome, 'rejected', now, submitted);
    this.keep(code, key, kept, outcome, attempt.publication, now);
    return outcome;
  }

  async replay(
    code: string,
    key: string | undefined,
    request: { userId: string; publication: string; uniqueCode?: string },
    now: number,
  ): Promise<RedemptionOutcome | undefined> {
    const kept = this.kept(code, key);
    return redeemVerdict(kept, request, now) === 'replay' ? copyOutcome(kept!.outcome) : undefined;
  }

  override keptOutcomes(): { kept: number; evicted: number } {
    return { kept: this.data.keptOutcomes, evicted: this.data.evictedOutcomes };
  }

  async keptUniqueCode(code: string, key: string): Promise<string | undefined> {
    const kept = this.kept(code, key);
    return kept && keptUniqueCode(kept);
  }

  async findOutcome(
    code: string,
    key: string,
    now: number,
  ): Promise<RedemptionOutcome | undefined> {
    const standing = standingOutcome(this.kept(code, key), now);
    return standing && copyOutcome(standing);
  }

  async rollback(attempt: RollbackAttempt): Promise<RollbackResult> {
    const { request, now } = attempt;
    const kept = this.kept(request.couponCode, attempt.outcomeKey);
    switch (
      rollbackVerdict(kept, { userId: request.userId, publication: attempt.publication }, now)
    ) {
      case 'not-found':
        return { status: 'not-found' };
      case 'already':
        return { status: 'already-rolled-back' };
      case 'replay':
        return {
          status: 'rolled-back',
          restored: { ...earlierRollback(kept, attempt.publication, now)! },
        };
      case 'apply':
        break;
    }
    const usage = this.data.usage.get(request.couponCode);
    const allowed = usage
      ? countersToGiveBack(kept!.counted!, usage, countingPeriods(attempt.periods, usage.newest))
      : NOTHING_RESTORED;
    const restored = { ...NOTHING_RESTORED };
    if (usage && allowed.globalTotal && usage.globalTotal > 0) {
      usage.globalTotal -= 1;
      restored.globalTotal = true;
    }
    if (usage && allowed.userTotal) {
      const total = usage.userTotals.get(request.userId) ?? 0;
      if (total > 0) {
        if (total === 1) usage.userTotals.delete(request.userId);
        else usage.userTotals.set(request.userId, total - 1);
        restored.userTotal = true;
      }
    }
    if (usage && allowed.userWeekly) restored.userWeekly = usage.weekly.decrement(request.userId);
    if (usage && allowed.userDaily) restored.userDaily = usage.daily.decrement(request.userId);
    // A unique code's use goes back under the totals' rule (the same coupon); no flag of its own.
    const index = kept!.codeIndex;
    if (usage && allowed.globalTotal && index !== undefined) {
      const uses = usage.codeUses.get(index) ?? 0;
      if (uses === 1) usage.codeUses.delete(index);
      else if (uses > 1) usage.codeUses.set(index, uses - 1);
    }
    kept!.rollback = { by: attempt.publication, restored };
    const { outcome } = kept!;
    const submitted = outcome.coupon === undefined ? undefined : outcome.couponCode;
    this.data.log(request.couponCode, request, 'rolled-back', now, submitted);
    return { status: 'rolled-back', restored: { ...restored } };
  }

  async usage(code: string, userId: string | undefined, periods: Periods): Promise<UsageCounts> {
    const usage = this.data.usage.get(code) ?? NO_COUPON_USAGE;
    return usage.read(userId, countingPeriods(periods, usage.newest));
  }

  async codeState(coupon: string, index: number): Promise<CodeState> {
    const usage = this.data.usage.get(coupon);
    return {
      used: usage?.codeUses.get(index) ?? 0,
      revoked: usage?.revokedCodes.has(index) ?? false,
    };
  }

  async revokeCode(
    coupon: Pick<Coupon, 'code' | 'born'>,
    index: number,
    now: number,
  ): Promise<RevokeResult> {
    const usage = this.data.usage.get(coupon.code);
    if (!usage || this.data.coupons.get(coupon.code)?.born !== coupon.born) return 'stale';
    if (usage.revokedCodes.has(index)) return 'already-revoked';
    usage.revokedCodes.set(index, now);
    return 'revoked';
  }

  async forgive(code: string, userId: string): Promise<number> {
    return this.data.usage.get(code)?.forget(userId) ?? 0;
  }

  async eraseUser(userId: string, now: number): Promise<Erased> {
    let usageCounters = 0;
    for (const usage of this.data.usage.values()) {
      // A hold expired already held nothing: it is dropped, not counted.
      const holds = usage.holds.forget(userId).filter((hold) => isLive(hold, now));
      usageCounters += usage.forget(userId) + holds.length;
    }
    let logEntries = 0;
    for (const [code, log] of this.data.logs) {
      logEntries += log.erase(userId, now - this.data.options.logTtlMs);
      this.data.pruneLog(code, log, now);
    }
    return { usageCounters, outcomes: this.data.eraseOutcomes(userId, now), logEntries };
  }

  async resetWindows(window: Window, cutoff: string, includeCutoff: boolean): Promise<ResetResult> {
    let freed = 0;
    const periods = new Set<string>();
    const free = (counts: Map<string, number>, period: string): boolean => {
      if (counts.size === 0 || !resetFrees(period, cutoff, includeCutoff)) return false;
      freed += counts.size;
      periods.add(period);
      return true;
    };
    for (const usage of this.data.usage.values()) {
      const windowCounts: WindowCounts = window === 'daily' ? usage.daily : usage.weekly;
      for (const [period, counts] of windowCounts.ended) {
        if (free(counts, period)) windowCounts.ended.delete(period);
      }
      if (free(windowCounts.counts, windowCounts.period)) windowCounts.counts = new Map();
      if (includeCutoff) windowCounts.resets += 1;
      windowCounts.startPeriod(cutoff);
    }
    return { freed, periods: [...periods].sort() };
  }

  async pruneExpired(now: number): Promise<number> {
    for (const code of this.data.usage.keys()) this.liveUsage(code, now);
    for (const [code, log] of this.data.logs) this.data.pruneLog(code, log, now);
    return this.data.pruneOutcomes(now);
  }

  private kept(code: string, key: string | undefined): MemoryKeptOutcome | undefined {
    return key === undefined ? undefined : this.data.keptOutcome(code, key);
  }

  /**
   * Keeps a copy of `outcome`, decided by `publication` at `now`, for as long as ledger.keepTimes
   * says, in place of `replaced`, carrying its rollbacks over (ledger.rollbacksToCarry).
   */
  private keep(
    code: string,
    key: string | undefined,
    replaced: KeptOutcome | undefined,
    outcome: RedemptionOutcome,
    publication: string,
    now: number,
    counted?: KeptOutcome['counted'],
    codeIndex?: number,
  ): void {
    const times = keepTimes(outcome.orderId, key !== undefined, this.data.options);
    const keepFor = outcome.status === 'accepted' ? times.accepted : times.rejected;
    if (keepFor === 0) return;
    const earlierRollbacks = rollbacksToCarry(replaced);
    this.data.keepOutcome(code, key!, {
      outcome: copyOutcome(outcome),
      decidedBy: publication,
      keptUntil: now + keepFor,
      ...(counted && { counted }),
      ...(codeIndex !== undefined && { codeIndex }),
      ...(earlierRollbacks && { earlierRollbacks }),
    });
  }

  /**
   * What is kept under the key answers a redeem first (ledger.redeemVerdict): a replay of it, or
   * ORDER_CONFLICT (logged, counting and keeping nothing); undefined when the request is decided.
   */
  private answerFromKept(
    code: string,
    submitted: string | undefined,
    kept: KeptOutcome | undefined,
    request: RedeemAttempt['request'],
    publication: string,
    now: number,
    remaining: () => RedemptionOutcome['remaining'],
  ): RedemptionOutcome | undefined {
    switch (
      redeemVerdict(kept, { userId: request.userId, publication, uniqueCode: submitted }, now)
    ) {
      case 'replay':
        return copyOutcome(kept!.outcome);
      case 'conflict':
        return this.conflict(code, submitted, request, now, remaining);
      case 'decide':
        return undefined;
    }
  }

  /** ORDER_CONFLICT: logged, counting and keeping nothing. */
  private conflict(
    code: string,
    submitted: string | undefined,
    request: RedeemAttempt['request'],
    now: number,
    remaining: () => RedemptionOutcome['remaining'],
  ): RedemptionOutcome {
    const outcome = rejectedOutcome(request, 'ORDER_CONFLICT', remaining(), now);
    this.data.log(code, outcome, 'rejected', now, submitted);
    return outcome;
  }

  /** What this user has left now (live holds counted), for a refusal that counts nothing. */
  private remaining(attempt: Pick<RedeemAttempt, 'coupon' | 'request' | 'periods'>) {
    const usage = this.data.usage.get(attempt.coupon.code) ?? NO_COUPON_USAGE;
    const periods = countingPeriods(attempt.periods, usage.newest);
    const used = usage.readWithHolds(attempt.request.userId, periods);
    return remainingUses(attempt.coupon.repeatCounts, used);
  }
}
