import {
  COUNTER_NAMES,
  COUPON_CODE_PATTERN,
  NO_USAGE,
  remainingUses,
  type Coupon,
  type Remaining,
  type UsageCounts,
} from '../../domain/coupon.js';
import type { RejectionReason } from '../../domain/decide.js';
import {
  keepTimes,
  NOTHING_RESTORED,
  redeemVerdict,
  standingOutcome,
  type KeptOutcome,
  type Restored,
} from '../../domain/ledger.js';
import { isLive, type Hold } from '../../domain/holds.js';
import {
  counterOutcome,
  rejectedOutcome,
  rejectedReservation,
  reservedOutcome,
  type RedemptionOutcome,
} from '../../domain/outcome.js';
import type { ReservationOutcome } from '@coupon-code-service/client/contract';
import { periodsAt, type Periods } from '../../domain/periods.js';
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
import type { StoreOptions } from '../store.options.js';
import { statsExpireAt } from '../../domain/stats.js';
import { NotReplicatedError } from '@coupon-code-service/client/internal';
import { codeField, codeIndexOf, REMAINING_FIELDS, type RedisKeys } from './keys.redis.js';
import type { RedisScripts } from './scripts.redis.js';

const HOUR = 3600_000;
// Window hashes expire by themselves well after their period: a day is at most 25 hours, a week 169.
const DAY_WINDOW_TTL_MS = 48 * HOUR;
const WEEK_WINDOW_TTL_MS = 9 * 24 * HOUR;

/** Coupons erased from at once. */
const ERASE_BATCH = 200;

const flags = (values: unknown[]): Restored => ({
  globalTotal: values[0] === 1,
  userTotal: values[1] === 1,
  userWeekly: values[2] === 1,
  userDaily: values[3] === 1,
});

const counts = (values: unknown[]): UsageCounts => ({
  globalTotal: Number(values[0]),
  userTotal: Number(values[1]),
  userWeekly: Number(values[2]),
  userDaily: Number(values[3]),
});

/**
 * The usage ledger in Redis: each step one Lua script under lua/ (one round trip), every key of a
 * coupon under its hash tag. The policy is the domain's; each script names what it mirrors.
 */
export class RedisUsageLedger extends UsageLedger {
  constructor(
    private readonly scripts: RedisScripts,
    private readonly keys: RedisKeys,
    private readonly options: StoreOptions,
  ) {
    super();
  }

  async redeem(attempt: RedeemAttempt): Promise<RedemptionOutcome | typeof STALE_COUPON> {
    const { request, periods, outcomeKey, now, uniqueCode } = attempt;
    const code = attempt.coupon.code;
    const limits = attempt.coupon.repeatCounts;
    const keep = keepTimes(request.orderId, outcomeKey !== undefined, this.options);
    const k = this.keys;
    const { reply, acknowledged } = await this.runDecision(
      'redeem',
      code,
      [
        k.coupon(code),
        k.globalUsed(code),
        k.userTotals(code),
        k.window(code, 'week', periods.week),
        k.window(code, 'day', periods.day),
        k.outcome(code, outcomeKey ?? ''),
        k.newestPeriods(code),
        k.windowIndex(code),
        k.log(code),
        k.userOutcomes(code, request.userId),
        k.codeUses(code),
        k.revokedCodes(code),
        k.holds(code),
        k.held(code),
        k.holdPrefix(code) + (request.orderId ?? ''),
        this.statsKey(code, now),
      ],
      [
        attempt.coupon.born,
        attempt.coupon.version,
        request.userId,
        ...COUNTER_NAMES.map((name) => limits[name] ?? -1),
        periods.week,
        periods.day,
        now,
        keep.accepted,
        attempt.publication,
        request.orderId ?? '',
        attempt.coupon.discountPercentage,
        this.options.logTtlMs,
        DAY_WINDOW_TTL_MS,
        WEEK_WINDOW_TTL_MS,
        keep.rejected,
        this.options.logMaxEntries,
        uniqueCode ? codeField(uniqueCode.index) : '',
        uniqueCode?.limit ?? -1,
        uniqueCode ? request.couponCode : '',
        k.holdPrefix(code),
        this.statsExpireAt(now),
      ],
    );
    if (reply[0] === 'behind') {
      return this.redeem({ ...attempt, periods: { day: `${reply[1]}`, week: `${reply[2]}` } });
    }
    this.expiredHolds += Number(reply[1]);
    if (reply[0] === 'more') return this.redeem(attempt);
    const outcome = this.redeemOutcome(attempt, reply);
    if (outcome !== STALE_COUPON && outcome.status === 'accepted') this.replicated(acknowledged);
    return outcome;
  }

  /** An acceptance or a hold is answered only once REDIS_WAIT_REPLICAS replicas hold it. */
  private replicated(acknowledged: number): void {
    if (acknowledged >= this.options.waitReplicas) return;
    throw new NotReplicatedError(
      `${acknowledged} of ${this.options.waitReplicas} replicas acknowledged the decision within ${this.options.waitTimeoutMs} ms; the job is retried`,
    );
  }

  /** The last key of every script that logs (lua/includes/log.lua): the statistics of `now`'s day. */
  private statsKey(code: string, now: number): string {
    return this.keys.stats(code, periodsAt(now, this.options.timeZone).day);
  }

  private expiry = { day: '', at: 0 };

  /** The last ARGV of every script that logs: when that day's statistics go (0: none are counted). */
  private statsExpireAt(now: number): number {
    const { statsRetentionDays, timeZone } = this.options;
    if (statsRetentionDays === 0) return 0;
    const { day } = periodsAt(now, timeZone);
    if (this.expiry.day !== day) {
      this.expiry = { day, at: statsExpireAt(day, timeZone, statsRetentionDays) };
    }
    return this.expiry.at;
  }

  /** A deciding script, with REDIS_WAIT_REPLICAS a WAIT for replicas right behind it. */
  private async runDecision(
    name: 'redeem' | 'reserve',
    code: string,
    keys: string[],
    args: (string | number)[],
  ): Promise<{ reply: unknown[]; acknowledged: number }> {
    if (this.options.waitReplicas === 0) {
      return {
        reply: (await this.scripts.run(name, keys, args)) as unknown[],
        acknowledged: 0,
      };
    }
    const { reply, acknowledged } = await this.scripts.runReplicated(name, keys, args, {
      mark: this.keys.replicaMark(code),
      replicas: this.options.waitReplicas,
      timeoutMs: this.options.waitTimeoutMs,
    });
    return { reply: reply as unknown[], acknowledged };
  }

  private redeemOutcome(
    attempt: RedeemAttempt,
    reply: unknown[],
  ): RedemptionOutcome | typeof STALE_COUPON {
    const { request, now } = attempt;
    const limits = attempt.coupon.repeatCounts;
    switch (reply[0]) {
      case 'stale':
        return STALE_COUPON;
      case 'replay':
        return decodeOutcome(attempt.coupon.code, recordOf(reply[2]));
      case 'conflict':
        return rejectedOutcome(
          request,
          'ORDER_CONFLICT',
          remainingUses(limits, counts(reply.slice(2))),
          now,
        );
      default: {
        const reason = reply[2] as RejectionReason | '';
        const used = counts(reply.slice(3));
        if (reason !== '')
          return rejectedOutcome(request, reason, remainingUses(limits, used), now);
        const outcome = counterOutcome(
          request,
          { full: null, used, limits, discountPercentage: attempt.coupon.discountPercentage },
          now,
        );
        return reply[7] === 'confirmed' ? { ...outcome, hold: 'confirmed' } : outcome;
      }
    }
  }

  async reserve(attempt: ReserveAttempt): Promise<ReservationOutcome | typeof STALE_COUPON> {
    const { request, periods, now, uniqueCode } = attempt;
    const code = attempt.coupon.code;
    const limits = attempt.coupon.repeatCounts;
    const k = this.keys;
    const { reply, acknowledged } = await this.runDecision(
      'reserve',
      code,
      [
        k.coupon(code),
        k.globalUsed(code),
        k.userTotals(code),
        k.window(code, 'week', periods.week),
        k.window(code, 'day', periods.day),
        k.outcome(code, attempt.outcomeKey),
        k.newestPeriods(code),
        k.log(code),
        k.codeUses(code),
        k.revokedCodes(code),
        k.holds(code),
        k.held(code),
        k.holdPrefix(code) + request.orderId,
        k.reserveRun(code, attempt.publication),
        k.userOutcomes(code, request.userId),
        this.statsKey(code, now),
      ],
      [
        attempt.coupon.born,
        attempt.coupon.version,
        request.userId,
        ...COUNTER_NAMES.map((name) => limits[name] ?? -1),
        periods.week,
        periods.day,
        now,
        request.orderId,
        attempt.expiresAt,
        this.options.logTtlMs,
        this.options.logMaxEntries,
        uniqueCode ? codeField(uniqueCode.index) : '',
        uniqueCode?.limit ?? -1,
        uniqueCode ? request.couponCode : '',
        k.holdPrefix(code),
        attempt.publication,
        this.options.outcomeTtlMs,
        this.statsExpireAt(now),
      ],
    );
    if (reply[0] === 'behind') {
      return this.reserve({ ...attempt, periods: { day: `${reply[1]}`, week: `${reply[2]}` } });
    }
    this.expiredHolds += Number(reply[1]);
    switch (reply[0]) {
      case 'more':
        return this.reserve(attempt);
      case 'stale':
        return STALE_COUPON;
      case 'rerun':
      case 'replay':
        this.replicated(acknowledged);
        return reservedOutcome(request, decodeHold(request.orderId, recordOf(reply[2])));
      case 'conflict':
        return rejectedReservation(
          request,
          'ORDER_CONFLICT',
          remainingUses(limits, counts(reply.slice(2))),
          now,
        );
      case 'refused':
        return rejectedReservation(
          request,
          reply[2] as RejectionReason,
          remainingUses(limits, counts(reply.slice(3))),
          now,
        );
      default:
        this.replicated(acknowledged);
        return reservedOutcome(request, {
          expiresAt: attempt.expiresAt,
          reservedAt: now,
          remaining: remainingUses(limits, counts(reply.slice(2))),
        });
    }
  }

  async release(attempt: ReleaseAttempt): Promise<'released' | 'not-found'> {
    const code = attempt.coupon;
    if (!COUPON_CODE_PATTERN.test(code)) return 'not-found';
    const k = this.keys;
    const reply = (await this.scripts.run(
      'release',
      [
        k.holds(code),
        k.held(code),
        k.holdPrefix(code) + attempt.orderId,
        k.log(code),
        this.statsKey(code, attempt.now),
      ],
      [
        attempt.userId,
        attempt.orderId,
        attempt.uniqueCode ?? '',
        attempt.now,
        this.options.logTtlMs,
        this.options.logMaxEntries,
        k.holdPrefix(code),
        this.statsExpireAt(attempt.now),
      ],
    )) as [string, number];
    this.expiredHolds += Number(reply[1]);
    if (reply[0] === 'more') return this.release(attempt);
    return reply[0] as 'released' | 'not-found';
  }

  async findHold(coupon: string, orderId: string, now: number): Promise<Hold | undefined> {
    if (!COUPON_CODE_PATTERN.test(coupon)) return undefined;
    const record = await this.scripts.redis.hgetall(this.keys.holdPrefix(coupon) + orderId);
    if (record.user === undefined) return undefined;
    const hold = decodeHold(orderId, record);
    return isLive(hold, now) ? hold : undefined;
  }

  async counts(
    code: string,
    userId: string | undefined,
    periods: Periods,
    now: number,
    codeIndex?: number,
  ): Promise<Counts> {
    if (!COUPON_CODE_PATTERN.test(code)) return { used: NO_USAGE, held: NO_USAGE, codeHeld: 0 };
    const k = this.keys;
    const reply = (await this.scripts.run(
      'counts',
      [
        k.globalUsed(code),
        k.userTotals(code),
        k.window(code, 'week', periods.week),
        k.window(code, 'day', periods.day),
        k.newestPeriods(code),
        k.holds(code),
        k.held(code),
        k.log(code),
        this.statsKey(code, now),
      ],
      [
        userId ?? '',
        periods.week,
        periods.day,
        now,
        codeIndex === undefined ? '' : codeField(codeIndex),
        this.options.logTtlMs,
        this.options.logMaxEntries,
        k.holdPrefix(code),
        this.statsExpireAt(now),
      ],
    )) as unknown[];
    if (reply[0] === 'behind') {
      return this.counts(code, userId, { day: `${reply[1]}`, week: `${reply[2]}` }, now, codeIndex);
    }
    this.expiredHolds += Number(reply[1]);
    if (reply[0] === 'more') return this.counts(code, userId, periods, now, codeIndex);
    return {
      used: counts(reply.slice(2)),
      held: counts(reply.slice(6)),
      codeHeld: Number(reply[10]),
    };
  }

  async recordRejection(attempt: RejectionAttempt): Promise<RedemptionOutcome> {
    const { outcome, outcomeKey, now } = attempt;
    const code = outcome.coupon ?? outcome.couponCode;
    if (!COUPON_CODE_PATTERN.test(code)) return outcome;
    const reply = (await this.scripts.run(
      'recordRejection',
      [
        this.keys.outcome(code, outcomeKey ?? ''),
        this.keys.log(code),
        this.keys.userOutcomes(code, outcome.userId),
        this.statsKey(code, now),
      ],
      [
        outcome.userId,
        outcome.orderId ?? '',
        attempt.publication,
        outcome.reason!,
        ...COUNTER_NAMES.map((name) => outcome.remaining[name] ?? ''),
        now,
        keepTimes(outcome.orderId, outcomeKey !== undefined, this.options).rejected,
        this.options.logTtlMs,
        this.options.logMaxEntries,
        outcomeKey === undefined ? 0 : 1,
        outcome.coupon === undefined ? '' : outcome.couponCode,
        this.statsExpireAt(now),
      ],
    )) as unknown[];
    switch (reply[0]) {
      case 'replay':
        return decodeOutcome(code, recordOf(reply[1]));
      case 'conflict':
        return rejectedOutcome(outcome, 'ORDER_CONFLICT', outcome.remaining, now);
      default:
        return outcome;
    }
  }

  async replay(
    code: string,
    key: string | undefined,
    request: { userId: string; publication: string; uniqueCode?: string },
    now: number,
  ): Promise<RedemptionOutcome | undefined> {
    const kept = key === undefined ? undefined : await this.kept(code, key);
    return redeemVerdict(kept, request, now) === 'replay' ? kept!.outcome : undefined;
  }

  async keptUniqueCode(code: string, key: string): Promise<string | undefined> {
    if (!COUPON_CODE_PATTERN.test(code)) return undefined;
    return (await this.scripts.redis.hget(this.keys.outcome(code, key), 'code')) ?? undefined;
  }

  async findOutcome(
    code: string,
    key: string,
    now: number,
  ): Promise<RedemptionOutcome | undefined> {
    return standingOutcome(await this.kept(code, key), now);
  }

  /** What the verdicts need of a kept record (rollback flags aside), read in one HGETALL. */
  private async kept(code: string, key: string): Promise<KeptOutcome | undefined> {
    if (!COUPON_CODE_PATTERN.test(code)) return undefined;
    const record = await this.scripts.redis.hgetall(this.keys.outcome(code, key));
    if (record.until === undefined) return undefined;
    return {
      outcome: decodeOutcome(code, record),
      decidedBy: record.by ?? '',
      keptUntil: Number(record.until),
      ...(record.rbBy !== undefined && {
        rollback: { by: record.rbBy, restored: NOTHING_RESTORED },
      }),
    };
  }

  async rollback(attempt: RollbackAttempt): Promise<RollbackResult> {
    const { request, periods } = attempt;
    const code = request.couponCode;
    if (!COUPON_CODE_PATTERN.test(code)) return { status: 'not-found' };
    const k = this.keys;
    const reply = (await this.scripts.run(
      'rollback',
      [
        k.outcome(code, attempt.outcomeKey),
        k.coupon(code),
        k.globalUsed(code),
        k.userTotals(code),
        k.window(code, 'week', periods.week),
        k.window(code, 'day', periods.day),
        k.newestPeriods(code),
        k.log(code),
        k.codeUses(code),
        this.statsKey(code, attempt.now),
      ],
      [
        request.userId,
        periods.week,
        periods.day,
        attempt.now,
        request.orderId,
        attempt.publication,
        this.options.logTtlMs,
        this.options.logMaxEntries,
        this.statsExpireAt(attempt.now),
      ],
    )) as unknown[];
    switch (reply[0]) {
      case 'not-found':
        return { status: 'not-found' };
      case 'already':
        return { status: 'already-rolled-back' };
      case 'behind':
        return this.rollback({ ...attempt, periods: { day: `${reply[1]}`, week: `${reply[2]}` } });
      default:
        return { status: 'rolled-back', restored: flags(reply.slice(1)) };
    }
  }

  async usage(code: string, userId: string | undefined, periods: Periods): Promise<UsageCounts> {
    if (!COUPON_CODE_PATTERN.test(code)) return { ...NO_USAGE };
    const k = this.keys;
    const reply = (await this.scripts.run(
      'usage',
      [
        k.globalUsed(code),
        k.userTotals(code),
        k.window(code, 'week', periods.week),
        k.window(code, 'day', periods.day),
        k.newestPeriods(code),
      ],
      [userId ?? '', periods.week, periods.day],
    )) as string[];
    if (reply[0] === 'behind') return this.usage(code, userId, { day: reply[1]!, week: reply[2]! });
    return counts(reply.slice(1));
  }

  async codeState(coupon: string, index: number): Promise<CodeState> {
    if (!COUPON_CODE_PATTERN.test(coupon)) return { used: 0, revoked: false };
    const field = codeField(index);
    // One MULTI (both keys in the coupon's slot): the two reads see the same moment.
    const replies = await this.scripts.redis
      .multi()
      .hget(this.keys.codeUses(coupon), field)
      .hexists(this.keys.revokedCodes(coupon), field)
      .exec();
    for (const [error] of replies ?? []) if (error) throw error;
    return { used: Number(replies![0]![1] ?? 0), revoked: replies![1]![1] === 1 };
  }

  async revokeCode(
    coupon: Pick<Coupon, 'code' | 'born'>,
    index: number,
    now: number,
  ): Promise<RevokeResult> {
    if (!COUPON_CODE_PATTERN.test(coupon.code)) return 'stale';
    return (await this.scripts.run(
      'revokeCode',
      [this.keys.coupon(coupon.code), this.keys.revokedCodes(coupon.code)],
      [coupon.born, codeField(index), now],
    )) as RevokeResult;
  }

  async forgive(code: string, userId: string): Promise<number> {
    if (!COUPON_CODE_PATTERN.test(code)) return 0;
    return (await this.scripts.run(
      'forgiveUser',
      [this.keys.userTotals(code), this.keys.windowIndex(code)],
      [userId],
    )) as number;
  }

  /**
   * One eraseUser script per code ever created (the code history, and the coupon index for codes
   * created before the history existed), ERASE_BATCH at a time: each is atomic for its coupon,
   * and costs O(the user's outcomes + the coupon's windows + its log length) there.
   */
  async eraseUser(userId: string, now: number): Promise<Erased> {
    const erased: Erased = { usageCounters: 0, outcomes: 0, logEntries: 0 };
    const seen = new Set<string>();
    const k = this.keys;
    for (const index of [k.codeHistory, k.couponIndex]) {
      for await (const batch of this.codeBatches(index, ERASE_BATCH)) {
        const codes = batch.filter((code) => !seen.has(code));
        for (const code of codes) seen.add(code);
        const replies = (await Promise.all(
          codes.map((code) =>
            this.scripts.run(
              'eraseUser',
              [
                k.userTotals(code),
                k.windowIndex(code),
                k.userOutcomes(code, userId),
                k.log(code),
                k.holds(code),
                k.held(code),
                this.statsKey(code, now),
              ],
              [userId, now, this.options.logTtlMs, k.holdPrefix(code), this.statsExpireAt(now)],
            ),
          ),
        )) as [number, number, number][];
        for (const [counters, outcomes, entries] of replies) {
          erased.usageCounters += counters;
          erased.outcomes += outcomes;
          erased.logEntries += entries;
        }
      }
    }
    return erased;
  }

  async resetWindows(window: Window, cutoff: string, includeCutoff: boolean): Promise<ResetResult> {
    const kind = window === 'daily' ? 'day' : 'week';
    let freed = 0;
    const periods = new Set<string>();
    for await (const codes of this.codeBatches(this.keys.couponIndex, 500)) {
      const replies = (await Promise.all(
        codes.map((code) =>
          this.scripts.run(
            'resetWindows',
            [this.keys.windowIndex(code), this.keys.newestPeriods(code)],
            [kind, this.keys.window(code, kind, ''), cutoff, includeCutoff ? 1 : 0],
          ),
        ),
      )) as [number, ...string[]][];
      for (const [count, ...freedPeriods] of replies) {
        freed += count;
        for (const period of freedPeriods) periods.add(period);
      }
    }
    return { freed, periods: [...periods].sort() };
  }

  /**
   * Redis frees each outcome by its own expiry (lookups go by its `until`): none is pruned here.
   * Expired holds are dropped, coupon by coupon, to free their memory.
   */
  async pruneExpired(now: number): Promise<number> {
    for await (const codes of this.codeBatches(this.keys.couponIndex, 500)) {
      await Promise.all(codes.map((code) => this.expireHolds(code, now)));
    }
    return 0;
  }

  /** The codes of a sorted-set index (the coupon index, the code history), about `count` at a time. */
  private async *codeBatches(index: string, count: number): AsyncGenerator<string[]> {
    for await (const batch of this.scripts.redis.zscanStream(index, { count })) {
      // ZSCAN yields member, score, member, score...
      yield (batch as string[]).filter((_, i) => i % 2 === 0);
    }
  }

  private async expireHolds(code: string, now: number): Promise<void> {
    const k = this.keys;
    for (;;) {
      const [expired, done] = (await this.scripts.run(
        'expireHolds',
        [k.holds(code), k.held(code), k.log(code), this.statsKey(code, now)],
        [
          now,
          this.options.logTtlMs,
          this.options.logMaxEntries,
          k.holdPrefix(code),
          this.statsExpireAt(now),
        ],
      )) as [number, number];
      this.expiredHolds += expired;
      if (done === 1) return;
    }
  }
}

/** A hash as a script returns it (HGETALL's flat field/value list), as a record. */
function recordOf(flat: unknown): Record<string, string> {
  const list = flat as string[];
  const record: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) record[list[i]!] = list[i + 1]!;
  return record;
}

/** A hold's record (fields in lua/includes/holds.lua). */
/** A hold's record (fields in lua/includes/holds.lua) as the domain's Hold. */
export function decodeHold(orderId: string, record: Record<string, string>): Hold {
  return {
    orderId,
    userId: record.user!,
    ...(record.code !== undefined && {
      uniqueCode: record.code,
      codeIndex: codeIndexOf(record.index!),
    }),
    periods: { day: record.day!, week: record.week! },
    reservedAt: Number(record.at),
    expiresAt: Number(record.exp),
    remaining: remainingOf(record),
  };
}

function remainingOf(record: Record<string, string>): Remaining {
  return Object.fromEntries(
    COUNTER_NAMES.map((name, i) => {
      const value = record[REMAINING_FIELDS[i]!];
      return [name, value === '' || value === undefined ? null : Number(value)];
    }),
  ) as Remaining;
}

/** The outcome a kept record of the coupon `code` stands for. */
function decodeOutcome(code: string, record: Record<string, string>): RedemptionOutcome {
  const remaining = remainingOf(record);
  return {
    status: record.status as RedemptionOutcome['status'],
    ...(record.reason !== undefined && { reason: record.reason as RejectionReason }),
    couponCode: record.code ?? code,
    ...(record.code !== undefined && { coupon: code }),
    userId: record.user!,
    ...(record.order !== undefined && { orderId: record.order }),
    ...(record.discount !== undefined && { discountPercentage: Number(record.discount) }),
    remaining,
    ...(record.hold === 'confirmed' && { hold: 'confirmed' as const }),
    processedAt: new Date(Number(record.at)).toISOString(),
  };
}
