import type { Coupon, UsageCounts } from '../../domain/coupon.js';
import {
  isKept,
  isUsersOutcome,
  windowCount,
  type KeptOutcome,
  type ResetGenerations,
} from '../../domain/ledger.js';
import { usedOrHeld, type Hold } from '../../domain/holds.js';
import { periodsAt, type Periods } from '../../domain/periods.js';
import { daysBefore, statsFields } from '../../domain/stats.js';
import type { User } from '../../domain/user.js';
import type { StoreOptions } from '../store.options.js';
import { CouponHolds } from './holds.memory.js';
import {
  LOG_PAGE_SCAN_LIMIT,
  type LogEntry,
  type LogPage,
  type LogQuery,
  type LogStatus,
} from '../redemption.log.js';

/**
 * Per-user counts of one window (days or weeks): the counts of the newest period counted in, and
 * those of earlier periods, set aside until a reset frees them. Counts of an earlier period than
 * the one asked read as 0.
 */
export class WindowCounts {
  /** The newest period counted in: the one `counts` belong to. */
  period = '';
  counts = new Map<string, number>();
  /** Counts of earlier periods, by period, until a reset frees them. */
  readonly ended = new Map<string, Map<string, number>>();
  /** Manual resets so far (see ResetGenerations). */
  resets = 0;

  get(userId: string, period: string): number {
    return windowCount(this.counts.get(userId) ?? 0, this.period, period);
  }

  increment(userId: string, period: string): void {
    this.startPeriod(period);
    this.counts.set(userId, (this.counts.get(userId) ?? 0) + 1);
  }

  /** Makes `period` the newest if it is later, setting the current counts aside. */
  startPeriod(period: string): void {
    if (period <= this.period) return;
    if (this.counts.size > 0) this.ended.set(this.period, this.counts);
    this.period = period;
    this.counts = new Map();
  }

  /** Removes the user's count in every period still held; returns how many there were. */
  forget(userId: string): number {
    let removed = this.counts.delete(userId) ? 1 : 0;
    for (const counts of this.ended.values()) if (counts.delete(userId)) removed++;
    return removed;
  }

  /** Takes one use back from the newest period's count; false when there was none. */
  decrement(userId: string): boolean {
    const count = this.counts.get(userId) ?? 0;
    if (count === 0) return false;
    if (count === 1) this.counts.delete(userId);
    else this.counts.set(userId, count - 1);
    return true;
  }
}

export class CouponUsage {
  /** The birth id of the coupon these uses were counted on. */
  constructor(readonly born: string) {}

  globalTotal = 0;
  readonly userTotals = new Map<string, number>();
  readonly weekly = new WindowCounts();
  readonly daily = new WindowCounts();
  /** Unique codes' uses by index; only used codes have an entry. */
  readonly codeUses = new Map<number, number>();
  /** Revoked unique codes by index: when (ms). */
  readonly revokedCodes = new Map<number, number>();
  readonly holds = new CouponHolds();

  get resets(): ResetGenerations {
    return { day: this.daily.resets, week: this.weekly.resets };
  }

  /** The newest day and week counted in ('' before the first use, earlier than any period). */
  get newest(): Periods {
    return { day: this.daily.period, week: this.weekly.period };
  }

  /** Removes the user's counters, leaving the global count (ledger.ERASURE_KEEPS_GLOBAL_USED). */
  forget(userId: string): number {
    return (
      (this.userTotals.delete(userId) ? 1 : 0) +
      this.weekly.forget(userId) +
      this.daily.forget(userId)
    );
  }

  /** Uses counted plus the live holds against them (holds.usedOrHeld), as limit checks read them. */
  readWithHolds(userId: string | undefined, periods: Periods): UsageCounts {
    return usedOrHeld(this.read(userId, periods), this.holds.held(userId, periods));
  }

  /** Makes these the newest periods counted in, when they are later. */
  startPeriods(periods: Periods): void {
    this.daily.startPeriod(periods.day);
    this.weekly.startPeriod(periods.week);
  }

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
}

/**
 * One coupon's redemption log, oldest first. Expired entries are dropped from the front by moving
 * `start`, and the array is compacted now and then, so an append costs O(1) on average.
 */
export class CouponLog {
  private entries: { entry: LogEntry; seq: number; atMs: number }[] = [];
  private start = 0;

  /** `maxEntries`: the most it keeps, whatever the TTL; the oldest go first. */
  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.length - this.start;
  }

  /**
   * Appends an entry decided at `now`. It is ordered and expires as of the latest time already in
   * the log if that is later (a caller's clock behind another's), as the Redis stream's ids do.
   */
  append(entry: LogEntry, seq: number, now: number): void {
    const last = this.entries[this.entries.length - 1];
    this.entries.push({ entry, seq, atMs: last && last.atMs > now ? last.atMs : now });
    if (this.size > this.maxEntries) this.start++;
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

  /**
   * Removes the user's entries; returns how many of them were still within the log, that is
   * decided after `oldest`.
   */
  erase(userId: string, oldest: number): number {
    let live = 0;
    const kept = this.entries.slice(this.start).filter(({ entry, atMs }) => {
      if (entry.userId !== userId) return true;
      if (atMs > oldest) live++;
      return false;
    });
    this.entries = kept;
    this.start = 0;
    return live;
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

/** A kept outcome as this store holds it: an accepted unique code's index, for its rollback. */
export interface MemoryKeptOutcome extends KeptOutcome {
  codeIndex?: number;
}

/**
 * Everything the single-process store holds, shared by its four adapters. Every adapter method
 * does its work synchronously, so each call is atomic with respect to every other.
 */
const DAY_MS = 24 * 3600_000;

export class MemoryData {
  readonly coupons = new Map<string, Coupon>();
  readonly usage = new Map<string, CouponUsage>();
  /**
   * Kept outcomes by `<code> <outcome key>` (codes have no spaces), each map oldest first; at most
   * options.maxOutcomes in all. Past that the oldest rejection goes first, so refusals, which
   * anyone can cause, never push out an acceptance that a crashed job or a rollback still needs.
   * They outlive the coupon.
   */
  private readonly acceptances = new Map<string, MemoryKeptOutcome>();
  private readonly rejections = new Map<string, MemoryKeptOutcome>();
  /** Outcomes evicted to stay within options.maxOutcomes. */
  evictedOutcomes = 0;
  /**
   * The hold each reserve publication made, by `<code> <publication>`, kept as long as an
   * acceptance (holds.reserveVerdict 'rerun'), oldest first, at most options.maxOutcomes.
   */
  private readonly reserveRuns = new Map<string, { hold: Hold; keptUntil: number }>();
  readonly logs = new Map<string, CouponLog>();
  /** Statistics (domain/stats.ts) by code, then by day, oldest day first: field -> count. */
  readonly stats = new Map<string, Map<string, Map<string, number>>>();
  readonly users = new Map<string, User>();
  readonly userIdsByEmail = new Map<string, string>();
  private lastLogId = 0;

  constructor(readonly options: StoreOptions) {}

  get keptOutcomes(): number {
    return this.acceptances.size + this.rejections.size;
  }

  keptOutcome(code: string, key: string): MemoryKeptOutcome | undefined {
    const id = `${code} ${key}`;
    return this.acceptances.get(id) ?? this.rejections.get(id);
  }

  /** Keeps `kept` as the newest outcome, in place of any under the same key. */
  keepOutcome(code: string, key: string, kept: MemoryKeptOutcome): void {
    const id = `${code} ${key}`;
    this.acceptances.delete(id);
    this.rejections.delete(id);
    (kept.outcome.status === 'accepted' ? this.acceptances : this.rejections).set(id, kept);
    if (this.keptOutcomes > this.options.maxOutcomes) {
      const oldest = this.rejections.size > 0 ? this.rejections : this.acceptances;
      oldest.delete(oldest.keys().next().value!);
      this.evictedOutcomes++;
    }
  }

  /** The hold this publication made, if it is still kept at `now`. */
  reserveRun(code: string, publication: string, now: number): Hold | undefined {
    const run = this.reserveRuns.get(`${code} ${publication}`);
    return run && run.keptUntil > now ? run.hold : undefined;
  }

  keepReserveRun(code: string, publication: string, hold: Hold, now: number): void {
    if (publication === '' || this.options.outcomeTtlMs === 0) return;
    this.reserveRuns.set(`${code} ${publication}`, {
      hold,
      keptUntil: now + this.options.outcomeTtlMs,
    });
    if (this.reserveRuns.size > this.options.maxOutcomes) {
      this.reserveRuns.delete(this.reserveRuns.keys().next().value!);
    }
  }

  /** Forgets the outcomes decided for this user; returns how many were still kept at `now`. */
  eraseOutcomes(userId: string, now: number): number {
    let erased = 0;
    for (const [id, run] of this.reserveRuns) {
      if (run.hold.userId !== userId) continue;
      this.reserveRuns.delete(id);
      if (run.keptUntil > now) erased++;
    }
    for (const outcomes of [this.acceptances, this.rejections]) {
      for (const [id, kept] of outcomes) {
        if (!isUsersOutcome(kept, userId)) continue;
        outcomes.delete(id);
        if (isKept(kept, now)) erased++;
      }
    }
    return erased;
  }

  /** Forgets outcomes no longer kept at `now`; returns how many. */
  pruneOutcomes(now: number): number {
    let pruned = 0;
    for (const [id, run] of this.reserveRuns) {
      if (run.keptUntil > now) continue;
      this.reserveRuns.delete(id);
      pruned++;
    }
    for (const outcomes of [this.acceptances, this.rejections]) {
      for (const [id, kept] of outcomes) {
        if (isKept(kept, now)) continue;
        outcomes.delete(id);
        pruned++;
      }
    }
    return pruned;
  }

  log(
    code: string,
    what: { userId: string; orderId?: string; reason?: string },
    status: LogStatus,
    now: number,
    uniqueCode?: string,
  ): void {
    this.count(code, status, what.reason, now);
    if (this.options.logTtlMs === 0) return;
    let log = this.logs.get(code);
    if (!log) this.logs.set(code, (log = new CouponLog(this.options.logMaxEntries)));
    const seq = ++this.lastLogId;
    log.append(
      {
        id: String(seq).padStart(16, '0'),
        at: new Date(now).toISOString(),
        couponCode: code,
        ...(uniqueCode !== undefined && { uniqueCode }),
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

  /** Counts a logged step in its day's statistics; a new day drops the days past the retention. */
  private count(code: string, status: LogStatus, reason: string | undefined, now: number): void {
    const retentionMs = this.options.statsRetentionMs;
    if (retentionMs === 0) return;
    let days = this.stats.get(code);
    if (!days) this.stats.set(code, (days = new Map()));
    const day = periodsAt(now, this.options.timeZone).day;
    let fields = days.get(day);
    if (!fields) {
      const oldestKept = daysBefore(day, Math.ceil(retentionMs / DAY_MS));
      for (const old of days.keys()) if (old < oldestKept) days.delete(old);
      days.set(day, (fields = new Map()));
    }
    for (const field of statsFields(status, reason))
      fields.set(field, (fields.get(field) ?? 0) + 1);
  }

  /** Drops entries past the log TTL, and the log once it is empty. */
  pruneLog(code: string, log: CouponLog, now: number): void {
    log.prune(now - this.options.logTtlMs);
    if (log.size === 0) this.logs.delete(code);
  }
}

/**
 * Callers get copies, never the stored objects. Coupons nest plain objects (repeatCounts, codes
 * and its batches) and users none, so spreading copies them at a fraction of structuredClone's
 * cost (reads are hot).
 */
export const copyCoupon = (coupon: Coupon): Coupon => ({
  ...coupon,
  repeatCounts: { ...coupon.repeatCounts },
  ...(coupon.codes && {
    codes: {
      secret: coupon.codes.secret,
      batches: coupon.codes.batches.map((batch) => ({ ...batch })),
    },
  }),
});
export const copyUser = (user: User): User => ({ ...user });
