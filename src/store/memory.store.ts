import { Injectable } from '@nestjs/common';
import type { Coupon, CounterName, UsageCounts, User } from '../domain/coupon.js';
import { firstFullCounter } from '../domain/decide.js';
import { counterOutcome, type RedemptionOutcome } from '../domain/outcome.js';
import type { Periods } from '../domain/periods.js';
import {
  CouponStore,
  STALE_COUPON,
  type CreateUserResult,
  LOG_PAGE_SCAN_LIMIT,
  type LogEntry,
  type LogPage,
  type LogQuery,
  type LogStatus,
  type Page,
  type RedeemAttempt,
  type RollbackAttempt,
  type RollbackResult,
  type SaveResult,
  type Window,
} from './coupon-store.js';

/**
 * Per-user counts that belong to one period (a day or a week). Counts of an earlier period read as
 * 0; a request stamped with an earlier period than the newest seen (a clock that stepped back)
 * counts in the newest one, so it can never slip past a cap. When a new period starts, the old
 * counts are set aside until a reset frees them (or the next period replaces them).
 */
class WindowCounts {
  /** The newest period counted in: the one the current counts belong to. */
  period = '';
  private counts = new Map<string, number>();
  private ended = new Map<string, number>();

  get(userId: string, period: string): number {
    return period > this.period ? 0 : (this.counts.get(userId) ?? 0);
  }

  /** Takes back one use counted in `period`, if that period is the newest and not behind `current`. */
  decrement(userId: string, period: string, current: string): boolean {
    const count = this.counts.get(userId) ?? 0;
    if (period !== this.period || period < current || count === 0) return false;
    this.counts.set(userId, count - 1);
    return true;
  }

  increment(userId: string, period: string): void {
    if (period > this.period) {
      this.period = period;
      this.ended = this.counts;
      this.counts = new Map();
    }
    this.counts.set(userId, (this.counts.get(userId) ?? 0) + 1);
  }

  /**
   * Frees the counters of periods before `current`; returns how many it freed. The current period
   * becomes the newest, so a request still stamped with an ended one counts in it.
   */
  clearEnded(current: string): number {
    let cleared = this.ended.size;
    this.ended = new Map();
    if (this.period < current) {
      cleared += this.counts.size;
      this.counts = new Map();
      this.period = current;
    }
    return cleared;
  }
}

class CouponUsage {
  /** The version the coupon was created with: tells its uses from those of a deleted namesake. */
  constructor(readonly born: number) {}

  globalTotal = 0;
  readonly userTotals = new Map<string, number>();
  readonly weekly = new WindowCounts();
  readonly daily = new WindowCounts();

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

  /** Gives back a use counted in `counted`; window counts only while that period is `current`. */
  giveBack(userId: string, counted: Periods, current: Periods): Record<CounterName, boolean> {
    const userTotal = this.userTotals.get(userId) ?? 0;
    const restored = {
      globalTotal: this.globalTotal > 0,
      userTotal: userTotal > 0,
      userWeekly: this.weekly.decrement(userId, counted.week, current.week),
      userDaily: this.daily.decrement(userId, counted.day, current.day),
    };
    if (restored.globalTotal) this.globalTotal -= 1;
    if (restored.userTotal) this.userTotals.set(userId, userTotal - 1);
    return restored;
  }
}

/** What an unknown coupon reads as: nothing used. */
const NO_COUPON_USAGE = new CouponUsage(0);

interface KeptOutcome {
  outcome: RedemptionOutcome;
  keptUntil: number;
  /** Where an accepted redemption counted, so a rollback knows what to give back, and to which coupon. */
  counted?: { born: number; periods: Periods };
  rolledBack?: boolean;
}

/** Most entries one coupon's log keeps in memory, whatever the TTL: the oldest go first. */
const MAX_LOG_ENTRIES = 100_000;

/**
 * One coupon's redemption log, oldest first. Expired entries are dropped from the front by moving
 * `start`, and the array is compacted now and then, so an append costs O(1) on average.
 */
class CouponLog {
  private entries: { entry: LogEntry; seq: number; atMs: number }[] = [];
  private start = 0;

  get size(): number {
    return this.entries.length - this.start;
  }

  append(entry: LogEntry, seq: number, atMs: number): void {
    this.entries.push({ entry, seq, atMs });
    if (this.size > MAX_LOG_ENTRIES) this.start++;
  }

  /** Drops entries decided at or before `oldest`; returns how many. */
  prune(oldest: number): number {
    const before = this.start;
    while (this.start < this.entries.length && this.entries[this.start]!.atMs <= oldest) {
      this.start++;
    }
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
    return this.start - before;
  }

  /** Newest first, after `cursor` (an entry's seq), reading at most LOG_PAGE_SCAN_LIMIT entries. */
  page(query: LogQuery, oldest: number): LogPage {
    let from = this.entries.length;
    if (query.cursor !== undefined) {
      const cursor = Number.parseInt(query.cursor, 10);
      let low = this.start;
      while (low < from) {
        const middle = (low + from) >>> 1;
        if (this.entries[middle]!.seq < cursor) low = middle + 1;
        else from = middle;
      }
    }
    const items: LogEntry[] = [];
    let scanned = 0;
    let last: string | null = null;
    for (let i = from - 1; i >= this.start; i--) {
      const { entry, atMs } = this.entries[i]!;
      if (atMs <= oldest) return { items, nextCursor: null };
      if (items.length === query.limit || scanned === LOG_PAGE_SCAN_LIMIT) {
        return { items, nextCursor: last };
      }
      scanned++;
      last = entry.id;
      if (query.status !== undefined && entry.status !== query.status) continue;
      if (query.userId !== undefined && entry.userId !== query.userId) continue;
      items.push({ ...entry });
    }
    return { items, nextCursor: null };
  }
}

export interface MemoryStoreOptions {
  /** How long the first outcome of an order is kept (IDEMPOTENCY_TTL_HOURS). */
  outcomeTtlMs: number;
  /** How long the redemption log keeps an entry (REDEMPTION_LOG_TTL_DAYS); 0 logs nothing. */
  logTtlMs: number;
}

/**
 * Callers get copies, never the stored objects. Coupons nest one plain object (repeatCounts) and
 * users none, so spreading copies them at a fraction of structuredClone's cost (reads are hot).
 */
const copyCoupon = (coupon: Coupon): Coupon => ({
  ...coupon,
  repeatCounts: { ...coupon.repeatCounts },
});
const copyUser = (user: User): User => ({ ...user });

function page<T>(
  sortedKeys: string[],
  map: Map<string, T>,
  offset: number,
  limit: number,
  copy: (item: T) => T,
): Page<T> {
  const items = sortedKeys.slice(offset, offset + limit).map((key) => copy(map.get(key)!));
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
  /** The last version given to each code; it outlives the coupon, so versions never repeat. */
  private readonly versions = new Map<string, number>();
  /** First outcomes by coupon code, then outcome key; they outlive the coupon, so a re-created code never counts an old order again. */
  private readonly outcomes = new Map<string, Map<string, KeptOutcome>>();
  private readonly logs = new Map<string, CouponLog>();
  private lastLogId = 0;

  constructor(private readonly options: MemoryStoreOptions) {
    super();
  }
  private readonly users = new Map<string, User>();
  private readonly userIdsByEmail = new Map<string, string>();

  async createCoupon(coupon: Coupon): Promise<boolean> {
    if (this.coupons.has(coupon.code)) return false;
    const version = this.nextVersion(coupon.code);
    this.coupons.set(coupon.code, { ...copyCoupon(coupon), version });
    this.usage.set(coupon.code, new CouponUsage(version));
    return true;
  }

  async getCoupon(code: string): Promise<Coupon | undefined> {
    const coupon = this.coupons.get(code);
    return coupon && copyCoupon(coupon);
  }

  async listCoupons(offset: number, limit: number): Promise<Page<Coupon>> {
    return page([...this.coupons.keys()].sort(), this.coupons, offset, limit, copyCoupon);
  }

  async saveCoupon(coupon: Coupon, expectedVersion: number): Promise<SaveResult> {
    const stored = this.coupons.get(coupon.code);
    if (!stored) return 'not-found';
    if (stored.version !== expectedVersion) return 'conflict';
    this.coupons.set(coupon.code, {
      ...copyCoupon(coupon),
      version: this.nextVersion(coupon.code),
    });
    return 'saved';
  }

  private nextVersion(code: string): number {
    const version = (this.versions.get(code) ?? 0) + 1;
    this.versions.set(code, version);
    return version;
  }

  async deleteCoupon(code: string): Promise<boolean> {
    this.usage.delete(code);
    return this.coupons.delete(code);
  }

  async createUser(user: User): Promise<CreateUserResult> {
    if (this.users.has(user.id)) return 'id-taken';
    const email = user.email.toLowerCase();
    if (this.userIdsByEmail.has(email)) return 'email-taken';
    this.users.set(user.id, copyUser(user));
    this.userIdsByEmail.set(email, user.id);
    return 'created';
  }

  async getUser(id: string): Promise<User | undefined> {
    const user = this.users.get(id);
    return user && copyUser(user);
  }

  async listUsers(offset: number, limit: number): Promise<Page<User>> {
    return page([...this.users.keys()].sort(), this.users, offset, limit, copyUser);
  }

  async getUsage(code: string, userId: string | undefined, periods: Periods): Promise<UsageCounts> {
    return (this.usage.get(code) ?? NO_COUPON_USAGE).read(userId, periods);
  }

  async findOutcome(
    code: string,
    key: string,
    now: number,
  ): Promise<RedemptionOutcome | undefined> {
    return this.keptOutcome(code, key, now);
  }

  async recordOutcome(
    key: string | undefined,
    outcome: RedemptionOutcome,
    now: number,
  ): Promise<RedemptionOutcome> {
    const first = key === undefined ? undefined : this.keptOutcome(outcome.couponCode, key, now);
    if (first) return first;
    if (key !== undefined) this.keep(key, outcome, now);
    this.log(outcome.couponCode, outcome, outcome.status, now);
    return outcome;
  }

  async redeem(attempt: RedeemAttempt): Promise<RedemptionOutcome | typeof STALE_COUPON> {
    const { request, periods, now, outcomeKey: key } = attempt;
    if (key !== undefined) {
      const first = this.keptOutcome(request.couponCode, key, now);
      if (first) return first;
    }
    const usage = this.usage.get(request.couponCode);
    if (!usage || this.coupons.get(request.couponCode)?.version !== attempt.couponVersion) {
      return STALE_COUPON;
    }
    const full = firstFullCounter(attempt.limits, usage.read(request.userId, periods));
    if (!full) usage.countOneUse(request.userId, periods);
    const used = usage.read(request.userId, periods);
    const { limits, discountPercentage } = attempt;
    const outcome = counterOutcome(request, { full, used, limits, discountPercentage }, now);
    const counted = full
      ? undefined
      : { born: usage.born, periods: { day: usage.daily.period, week: usage.weekly.period } };
    if (key !== undefined) this.keep(key, outcome, now, counted);
    this.log(request.couponCode, outcome, outcome.status, now);
    return outcome;
  }

  async rollback(attempt: RollbackAttempt): Promise<RollbackResult> {
    const { request, now } = attempt;
    const kept = this.outcomes.get(request.couponCode)?.get(attempt.outcomeKey);
    if (!kept || kept.keptUntil <= now || kept.outcome.status !== 'accepted') {
      return { status: 'not-found' };
    }
    if (kept.outcome.userId !== request.userId) return { status: 'not-found' };
    if (kept.rolledBack) return { status: 'already-rolled-back' };
    // A coupon deleted (and perhaps created again) since has no use of this order to give back.
    const { born, periods } = kept.counted!;
    const usage = this.usage.get(request.couponCode);
    const restored =
      usage?.born === born
        ? usage.giveBack(request.userId, periods, attempt.periods)
        : { globalTotal: false, userTotal: false, userWeekly: false, userDaily: false };
    kept.rolledBack = true;
    this.log(request.couponCode, request, 'rolled-back', now);
    return { status: 'rolled-back', restored };
  }

  async listRedemptions(code: string, query: LogQuery, now: number): Promise<LogPage> {
    const log = this.logs.get(code);
    return log ? log.page(query, now - this.options.logTtlMs) : { items: [], nextCursor: null };
  }

  async clearEndedWindows(window: Window, current: string): Promise<number> {
    let cleared = 0;
    for (const usage of this.usage.values()) {
      cleared += (window === 'daily' ? usage.daily : usage.weekly).clearEnded(current);
    }
    return cleared;
  }

  async pruneOutcomes(now: number): Promise<number> {
    for (const [code, log] of this.logs) this.pruneLog(code, log, now);
    let pruned = 0;
    for (const [code, byKey] of this.outcomes) {
      for (const [key, kept] of byKey) {
        if (kept.keptUntil > now) continue;
        byKey.delete(key);
        pruned++;
      }
      if (byKey.size === 0) this.outcomes.delete(code);
    }
    return pruned;
  }

  /** The first outcome under `key`; a rolled-back redemption is no longer one. */
  private keptOutcome(code: string, key: string, now: number): RedemptionOutcome | undefined {
    const kept = this.outcomes.get(code)?.get(key);
    return kept && kept.keptUntil > now && !kept.rolledBack ? kept.outcome : undefined;
  }

  private keep(
    key: string,
    outcome: RedemptionOutcome,
    now: number,
    counted?: KeptOutcome['counted'],
  ): void {
    let byKey = this.outcomes.get(outcome.couponCode);
    if (!byKey) this.outcomes.set(outcome.couponCode, (byKey = new Map()));
    byKey.set(key, { outcome, keptUntil: now + this.options.outcomeTtlMs, counted });
  }

  private log(
    code: string,
    what: { userId: string; orderId?: string; reason?: string },
    status: LogStatus,
    now: number,
  ): void {
    if (this.options.logTtlMs === 0) return;
    let log = this.logs.get(code);
    if (!log) this.logs.set(code, (log = new CouponLog()));
    const seq = ++this.lastLogId;
    log.append(
      {
        id: String(seq).padStart(16, '0'),
        at: new Date(now).toISOString(),
        couponCode: code,
        userId: what.userId,
        ...(what.orderId !== undefined && { orderId: what.orderId }),
        status,
        ...(status === 'rejected' && { reason: what.reason }),
      },
      seq,
      now,
    );
    this.pruneLog(code, log, now);
  }

  /** Drops entries past the log TTL, and the log once it is empty. */
  private pruneLog(code: string, log: CouponLog, now: number): void {
    log.prune(now - this.options.logTtlMs);
    if (log.size === 0) this.logs.delete(code);
  }
}
