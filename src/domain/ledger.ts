import type { Coupon, CounterName } from './coupon.js';
import type { RedemptionOutcome } from './outcome.js';
import type { Periods } from './periods.js';

/**
 * The ledger's policy: what a redemption counts, what a rollback gives back, when a kept outcome
 * answers again, and what a reset frees. Pure functions of (state, request, time). The memory
 * store calls them; each Lua script under src/store/lua names the function it mirrors, and the
 * store contract suite, run on both stores, proves that they agree.
 */

export type Restored = Record<CounterName, boolean>;

/** How many manual resets each window of a coupon has had: a count from before one is gone. */
export interface ResetGenerations {
  day: number;
  week: number;
}

/** What is kept of a decision under its outcome key (see outcomeKey). */
export interface KeptOutcome {
  outcome: RedemptionOutcome;
  /** The publication that decided it (see publicationId); '' when unknown. */
  decidedBy: string;
  /** Epoch ms after which it is forgotten. */
  keptUntil: number;
  /** For an accepted redemption: the coupon (its birth id), the periods and generations it counted in. */
  counted?: { born: string; periods: Periods; resets: ResetGenerations };
  /** Set once the redemption is rolled back: by which publication, and what it gave back. */
  rollback?: { by: string; restored: Restored };
  /**
   * Rollbacks of earlier decisions of the same order, by publication: such a rollback job run
   * again answers what it did then, and never undoes the order's newer redemption.
   */
  earlierRollbacks?: Record<string, Restored>;
}

export const NOTHING_RESTORED: Restored = {
  globalTotal: false,
  userTotal: false,
  userWeekly: false,
  userDaily: false,
};

/**
 * Period precedence: a request stamped with an earlier day or week than one already counted in
 * (a clock behind the others, or a commit after a reset) counts in the newest one, so it can
 * never slip past a cap.
 */
export function countingPeriods(stamped: Periods, newest: Partial<Periods>): Periods {
  const laterDay = newest.day !== undefined && newest.day > stamped.day;
  const laterWeek = newest.week !== undefined && newest.week > stamped.week;
  if (!laterDay && !laterWeek) return stamped; // the common case: no copy on the hot path
  return {
    day: laterDay ? newest.day! : stamped.day,
    week: laterWeek ? newest.week! : stamped.week,
  };
}

/**
 * A window count belongs to the day or week it was counted in: read in a later one it is 0, so a
 * new period needs no reset. (Redis keeps one hash per period, which reads the same way.)
 */
export function windowCount(count: number, countedIn: string, asked: string): number {
  return asked > countedIn ? 0 : count;
}

/** How long outcomes are kept for replay, in ms; 0 keeps none. */
export interface KeepTimes {
  accepted: number;
  rejected: number;
}

/**
 * How long a decision under an outcome key is kept. An acceptance counted a use, so any run of its
 * job again must replay it: kept under its order or publication for the idempotency TTL. A
 * refusal counted nothing, so deciding it again is harmless: it is kept only where an order id
 * lets a new publish ask again, and for the shorter rejection TTL (never longer than the other).
 * Nothing is kept without a key.
 */
export function keepTimes(
  orderId: string | undefined,
  hasKey: boolean,
  ttl: { outcomeTtlMs: number; rejectionTtlMs: number },
): KeepTimes {
  if (!hasKey) return { accepted: 0, rejected: 0 };
  return {
    accepted: ttl.outcomeTtlMs,
    rejected: orderId === undefined ? 0 : Math.min(ttl.rejectionTtlMs, ttl.outcomeTtlMs),
  };
}

/** Whether a kept outcome still counts at `now`: outcomes are kept for the idempotency TTL. */
export function isKept(kept: KeptOutcome | undefined, now: number): kept is KeptOutcome {
  return kept !== undefined && kept.keptUntil > now;
}

/**
 * Whether the stored coupon is still the one a caller read: the same birth id (not one deleted and
 * created again, or created again after Redis lost its data) at the same version (no change since).
 */
export function isSameCoupon(
  stored: Pick<Coupon, 'born' | 'version'> | undefined,
  read: Pick<Coupon, 'born' | 'version'>,
): boolean {
  return stored !== undefined && stored.born === read.born && stored.version === read.version;
}

/** The outcome that stands under a key at `now`: kept, and not a rolled-back redemption. */
export function standingOutcome(
  kept: Pick<KeptOutcome, 'outcome' | 'keptUntil' | 'rollback'> | undefined,
  now: number,
): RedemptionOutcome | undefined {
  return kept !== undefined && kept.keptUntil > now && !kept.rollback ? kept.outcome : undefined;
}

/** Two runs are the same publication only when the id is known. */
function samePublication(a: string, b: string): boolean {
  return a !== '' && a === b;
}

/**
 * How a redeem meets what is kept under its key:
 * - `decide`: nothing kept, or a rolled-back redemption that another publication asks about (a new
 *   publish of a cancelled order is decided afresh);
 * - `replay`: the first outcome answers again, counting nothing; also for the very publication
 *   that decided a since rolled-back redemption (BullMQ running the job again after a crash);
 * - `conflict`: the order was decided for another user, or with another of the coupon's codes
 *   (its own code, or another unique code); that outcome stays untouched. An order carries one
 *   code: a job of another code never answers with the order's acceptance, which would outlive a
 *   rollback of the order under that job's id.
 */
export function redeemVerdict(
  kept: KeptOutcome | undefined,
  request: { userId: string; publication: string; uniqueCode?: string },
  now: number,
): 'decide' | 'replay' | 'conflict' {
  if (!isKept(kept, now)) return 'decide';
  if (kept.rollback)
    return samePublication(kept.decidedBy, request.publication) ? 'replay' : 'decide';
  const sameOrder =
    kept.outcome.userId === request.userId && keptUniqueCode(kept) === request.uniqueCode;
  return sameOrder ? 'replay' : 'conflict';
}

/** The unique code a kept outcome was decided with; undefined for the coupon's own code. */
export const keptUniqueCode = (kept: Pick<KeptOutcome, 'outcome'>): string | undefined =>
  kept.outcome.coupon === undefined ? undefined : kept.outcome.couponCode;

/**
 * What a publication's rollback of this order gave back, if it rolled the order back before (its
 * job run again after a crash): the answer it gets again, whatever was decided since.
 */
export function earlierRollback(
  kept: KeptOutcome | undefined,
  publication: string,
  now: number,
): Restored | undefined {
  if (!isKept(kept, now) || publication === '') return undefined;
  if (kept.rollback && samePublication(kept.rollback.by, publication))
    return kept.rollback.restored;
  return kept.earlierRollbacks?.[publication];
}

/**
 * How a rollback meets what is kept under the order's key: a publication that rolled it back
 * before gets its own answer again (earlierRollback); otherwise only this user's accepted
 * redemption can be rolled back, once.
 */
export function rollbackVerdict(
  kept: KeptOutcome | undefined,
  request: { userId: string; publication: string },
  now: number,
): 'not-found' | 'apply' | 'replay' | 'already' {
  if (earlierRollback(kept, request.publication, now)) return 'replay';
  if (!isKept(kept, now)) return 'not-found';
  if (kept.outcome.status !== 'accepted' || kept.outcome.userId !== request.userId) {
    return 'not-found';
  }
  return kept.rollback ? 'already' : 'apply';
}

/** The rollbacks a new decision of the order carries over from the record it replaces. */
export function rollbacksToCarry(
  replaced: KeptOutcome | undefined,
): Record<string, Restored> | undefined {
  if (!replaced?.rollback) return replaced?.earlierRollbacks;
  const carried = { ...replaced.earlierRollbacks };
  if (replaced.rollback.by !== '') carried[replaced.rollback.by] = replaced.rollback.restored;
  return carried;
}

/**
 * Which counters a rollback may give a use back to (each only if it is above 0): none when the
 * coupon is not the one the use was counted on (deleted, perhaps created again); the totals
 * always; a window count only while the period it was counted in is the current one and no manual
 * reset has set that period to 0 since (the use is gone already).
 */
export function countersToGiveBack(
  counted: NonNullable<KeptOutcome['counted']>,
  coupon: { born: string; resets: ResetGenerations } | undefined,
  current: Periods,
): Restored {
  if (coupon?.born !== counted.born) return NOTHING_RESTORED;
  return {
    globalTotal: true,
    userTotal: true,
    userWeekly: counted.periods.week === current.week && counted.resets.week === coupon.resets.week,
    userDaily: counted.periods.day === current.day && counted.resets.day === coupon.resets.day,
  };
}

/**
 * Which window periods a reset frees. A scheduled reset frees the periods that ended before the
 * period it was scheduled in (`cutoff`), so a late run never takes back uses made after
 * midnight; a manual one (an admin forgiving a day) frees the current period too.
 */
export function resetFrees(period: string, cutoff: string, includeCutoff: boolean): boolean {
  return includeCutoff ? period <= cutoff : period < cutoff;
}

/**
 * Erasing a user (a data-protection request) and forgiving a user's uses remove that user's
 * counters, never the coupon's global count: the uses happened and their discounts were granted,
 * the global count is an aggregate that names no one, and giving uses back would let erasing and
 * re-registering reopen a capped campaign. Only a rollback gives a global use back.
 */
export const ERASURE_KEEPS_GLOBAL_USED = true;

/** An outcome erasure removes: one decided for this user. */
export const isUsersOutcome = (kept: KeptOutcome, userId: string): boolean =>
  kept.outcome.userId === userId;
