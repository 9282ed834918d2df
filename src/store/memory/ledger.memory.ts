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
import { counterOutcome, rejectedOutcome, type RedemptionOutcome } from '../../domain/outcome.js';
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
} from '../usage.ledger.js';
import {
  CouponUsage,
  type MemoryData,
  type MemoryKeptOutcome,
  type WindowCounts,
} from './data.memory.js';

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
    const kept = this.kept(code, key);
    const answered = this.answerFromKept(
      code,
      submitted,
      kept,
      request,
      attempt.publication,
      now,
      () => this.remaining(attempt),
    );
    if (answered) return answered;
    const usage = this.data.usage.get(code);
    const coupon = this.data.coupons.get(code);
    if (!usage || !isSameCoupon(coupon, attempt.coupon)) return STALE_COUPON;
    const periods = countingPeriods(attempt.periods, usage.newest);
    const { repeatCounts: limits, discountPercentage } = attempt.coupon;
    const spent =
      uniqueCode &&
      codeRefusal(
        {
          used: usage.codeUses.get(uniqueCode.index) ?? 0,
          revoked: usage.revokedCodes.has(uniqueCode.index),
        },
        uniqueCode.limit,
      );
    const full = spent ? null : firstFullCounter(limits, usage.read(request.userId, periods));
    const accepted = !spent && !full;
    if (accepted) {
      usage.globalTotal += 1;
      usage.userTotals.set(request.userId, (usage.userTotals.get(request.userId) ?? 0) + 1);
      usage.weekly.increment(request.userId, periods.week);
      usage.daily.increment(request.userId, periods.day);
      if (uniqueCode) {
        usage.codeUses.set(uniqueCode.index, (usage.codeUses.get(uniqueCode.index) ?? 0) + 1);
      }
    }
    const used = usage.read(request.userId, periods);
    const outcome = spent
      ? rejectedOutcome(request, spent, remainingUses(limits, used), now)
      : counterOutcome(request, { full, used, limits, discountPercentage }, now);
    this.data.log(code, outcome, outcome.status, now, submitted);
    const counted = accepted ? { born: usage.born, periods, resets: usage.resets } : undefined;
    const codeIndex = accepted ? uniqueCode?.index : undefined;
    this.keep(code, key, kept, outcome, attempt.publication, now, counted, codeIndex);
    return outcome;
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

  async globalUsed(codes: string[]): Promise<number[]> {
    return codes.map((code) => this.data.usage.get(code)?.globalTotal ?? 0);
  }

  async forgive(code: string, userId: string): Promise<number> {
    return this.data.usage.get(code)?.forget(userId) ?? 0;
  }

  async eraseUser(userId: string, now: number): Promise<Erased> {
    let usageCounters = 0;
    for (const usage of this.data.usage.values()) usageCounters += usage.forget(userId);
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
      case 'conflict': {
        const outcome = rejectedOutcome(request, 'ORDER_CONFLICT', remaining(), now);
        this.data.log(code, outcome, 'rejected', now, submitted);
        return outcome;
      }
      case 'decide':
        return undefined;
    }
  }

  /** What this user has left now, for a refusal that counts nothing. */
  private remaining(attempt: RedeemAttempt) {
    const usage = this.data.usage.get(attempt.coupon.code) ?? NO_COUPON_USAGE;
    const used = usage.read(attempt.request.userId, countingPeriods(attempt.periods, usage.newest));
    return remainingUses(attempt.coupon.repeatCounts, used);
  }
}
