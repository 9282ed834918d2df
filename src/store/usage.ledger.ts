import type { Coupon, Limit, UsageCounts } from '../domain/coupon.js';
import type { Hold } from '../domain/holds.js';
import type { Restored } from '../domain/ledger.js';
import type { RedemptionOutcome, RedemptionRequest } from '../domain/outcome.js';
import type { ReservationOutcome } from '@coupon-code-service/client/contract';
import type { Periods } from '../domain/periods.js';

/** One atomic check-and-commit of a redemption that passed the coupon- and user-level rules. */
export interface RedeemAttempt {
  request: RedemptionRequest;
  /** The publication deciding it (publicationId); '' when unknown. */
  publication: string;
  /** Where the outcome is kept (outcomeKey); undefined keeps nothing. */
  outcomeKey: string | undefined;
  /**
   * The coupon as the caller read it: the commit happens only if it is still that one. Its code
   * (not request.couponCode, which may be one of its unique codes) places every key.
   */
  coupon: Pick<Coupon, 'code' | 'born' | 'version' | 'repeatCounts' | 'discountPercentage'>;
  /**
   * When request.couponCode is a unique code of the coupon: its index and its batch's uses per
   * code. Its revocation and own uses are checked first (decide.codeRefusal), and it counts a use
   * with the coupon's counters; the kept outcome records it, so a rollback gives its use back too.
   */
  uniqueCode?: { index: number; limit: Limit };
  periods: Periods;
  now: number;
}

/** One atomic check-and-hold of a `reserve` that passed the coupon- and user-level rules. */
export interface ReserveAttempt extends Omit<RedeemAttempt, 'outcomeKey' | 'request'> {
  request: RedemptionRequest & { orderId: string };
  /** outcomeKey(orderId): where the order's redemption is kept (see holds.reserveVerdict). */
  outcomeKey: string;
  /** When the hold ends (epoch ms). */
  expiresAt: number;
}

/** Frees an order's live hold (holds.releases). */
export interface ReleaseAttempt {
  /** The coupon's code. */
  coupon: string;
  orderId: string;
  userId: string;
  /** When the release names one of the coupon's unique codes: that code. */
  uniqueCode?: string;
  now: number;
}

/** Uses counted and uses held (live holds), as a limit check reads them. */
export interface Counts {
  used: UsageCounts;
  held: UsageCounts;
  /** Live holds of the unique code asked about (0 when none was). */
  codeHeld: number;
}

/**
 * Keeps a rejection by a coupon- or user-level rule, which counts nothing. Kept under the coupon
 * `outcome.coupon ?? outcome.couponCode`.
 */
export interface RejectionAttempt {
  outcome: RedemptionOutcome;
  publication: string;
  outcomeKey: string | undefined;
  now: number;
}

/** Gives back the use of an order's accepted redemption. */
export interface RollbackAttempt {
  /** couponCode is the coupon's code; a unique code the redemption used gets its use back too. */
  request: Required<Omit<RedemptionRequest, 'coupon'>>;
  publication: string;
  /** outcomeKey(orderId): where the redemption's outcome is kept. */
  outcomeKey: string;
  /** The current day and week: window counts are given back only in the period they were counted in. */
  periods: Periods;
  now: number;
}

export type RollbackResult =
  | { status: 'rolled-back'; restored: Restored }
  | { status: 'already-rolled-back' }
  | { status: 'not-found' };

/** Returned by `redeem` when the coupon changed (or went) since the caller read it: read and try again. */
export const STALE_COUPON = 'stale-coupon';

/** What erasing a user removed; outcomes and log entries count those still kept. */
export interface Erased {
  /** Per-user counters: user totals and day and week window counts, over all coupons. */
  usageCounters: number;
  outcomes: number;
  logEntries: number;
}

/** A unique code's own state: uses counted, and whether an admin revoked it. */
export interface CodeState {
  used: number;
  revoked: boolean;
}

export type RevokeResult = 'revoked' | 'already-revoked' | 'stale';

/** The per-user counters that start afresh each period. */
export type Window = 'daily' | 'weekly';

export interface ResetResult {
  /** Per-user counters freed. */
  freed: number;
  /** The periods whose counters were freed, oldest first. */
  periods: string[];
}

/**
 * The usage ledger: counts, kept outcomes and the atomic steps that change them. The policy is the
 * domain's (src/domain/ledger.ts); each method is one atomic step in the store.
 */
export abstract class UsageLedger {
  /**
   * In one atomic step: drop expired holds; meet the order's live hold (holds.holdVerdict: its
   * holder confirms it, counting the held use, anyone else gets ORDER_CONFLICT) and what is kept
   * under the attempt's key (ledger.redeemVerdict: replay it, or refuse ORDER_CONFLICT); if the
   * coupon is no longer the one read, return STALE_COUPON; otherwise check every counter (uses
   * counted plus uses held) against its limit in order and either count one use on all of them or
   * name the first that is full. The outcome is kept and logged in the same step.
   */
  abstract redeem(attempt: RedeemAttempt): Promise<RedemptionOutcome | typeof STALE_COUPON>;

  /**
   * In one atomic step: drop expired holds; meet the order's live hold and what is kept under the
   * order (holds.reserveVerdict: the first hold answers again, or ORDER_CONFLICT); if the coupon is
   * no longer the one read, return STALE_COUPON; otherwise check every counter (uses counted plus
   * uses held) against its limit and hold one use until attempt.expiresAt, or name the first that
   * is full. The hold is logged in the same step; a refusal is neither kept nor logged.
   */
  abstract reserve(attempt: ReserveAttempt): Promise<ReservationOutcome | typeof STALE_COUPON>;

  /** In one atomic step: free the order's live hold if holds.releases says so, and log it. */
  abstract release(attempt: ReleaseAttempt): Promise<'released' | 'not-found'>;

  /** The order's live hold of the coupon at `now`. */
  abstract findHold(coupon: string, orderId: string, now: number): Promise<Hold | undefined>;

  /**
   * Uses counted and held at `now` (see `usage`); with `codeIndex`, also that unique code's live
   * holds. Drops expired holds first.
   */
  abstract counts(
    code: string,
    userId: string | undefined,
    periods: Periods,
    now: number,
    codeIndex?: number,
  ): Promise<Counts>;

  /**
   * Logs a rejection and keeps it as ledger.keepTimes says (redeemVerdict first, as in `redeem`);
   * returns the outcome that stands.
   */
  abstract recordRejection(attempt: RejectionAttempt): Promise<RedemptionOutcome>;

  /**
   * The kept outcome a redeem of this request would answer again (redeemVerdict 'replay'), read
   * only: for a refusal that keeps and logs nothing (an unknown coupon, too many guesses), which
   * must still answer a decided order with its first outcome.
   */
  abstract replay(
    code: string,
    key: string | undefined,
    request: { userId: string; publication: string; uniqueCode?: string },
    now: number,
  ): Promise<RedemptionOutcome | undefined>;

  /** The outcome that stands under `key` at `now` (a rolled-back redemption stands no more). */
  abstract findOutcome(
    code: string,
    key: string,
    now: number,
  ): Promise<RedemptionOutcome | undefined>;

  /**
   * The unique code the order kept under `key` was decided with (its outcome's couponCode), also
   * when it was rolled back since; undefined for a plain code or nothing kept.
   */
  abstract keptUniqueCode(code: string, key: string): Promise<string | undefined>;

  /**
   * In one atomic step (ledger.rollbackVerdict, countersToGiveBack): give back the use of this
   * user's accepted redemption of the order, mark it rolled back and log it.
   */
  abstract rollback(attempt: RollbackAttempt): Promise<RollbackResult>;

  /** Uses so far; window counters count only in the given day and week. No userId: user counts are 0. */
  abstract usage(code: string, userId: string | undefined, periods: Periods): Promise<UsageCounts>;

  /**
   * Frees the per-user counters of the window whose periods ledger.resetFrees picks, atomically
   * per coupon with respect to `redeem`, and makes `cutoff` the newest period.
   */
  abstract resetWindows(
    window: Window,
    cutoff: string,
    includeCutoff: boolean,
  ): Promise<ResetResult>;

  /** A unique code's state, by its coupon's code and its index: 0 and false for one never used. */
  abstract codeState(coupon: string, index: number): Promise<CodeState>;

  /**
   * Revokes a unique code of the coupon with this birth id, in one atomic step with respect to
   * `redeem`: 'stale' when the stored coupon is not (or no longer) that one.
   */
  abstract revokeCode(
    coupon: Pick<Coupon, 'code' | 'born'>,
    index: number,
    now: number,
  ): Promise<RevokeResult>;

  /**
   * Sets one user's counts of one coupon to 0 (total and every day and week window), atomically
   * with respect to `redeem`; the global count and kept outcomes stay. Returns the counters removed.
   */
  abstract forgive(code: string, userId: string): Promise<number>;

  /**
   * Erases a user from every coupon the store knows, also deleted ones whose outcomes or log
   * outlive them: counters as `forgive`, the outcomes kept for the user's orders and their
   * redemption-log entries; one atomic step per coupon with respect to `redeem`. The global count
   * stays (ledger.ERASURE_KEEPS_GLOBAL_USED).
   */
  abstract eraseUser(userId: string, now: number): Promise<Erased>;

  /** Forgets outcomes no longer kept at `now`; returns how many (Redis expires them by itself). */
  abstract pruneExpired(now: number): Promise<number>;

  /** Holds this process's store steps found expired and dropped, since it started. */
  expiredHolds = 0;

  /**
   * How many outcomes the store keeps and how many it evicted to stay within its bound; undefined
   * where the store has no such bound (Redis: each outcome expires by itself).
   */
  keptOutcomes(): { kept: number; evicted: number } | undefined {
    return undefined;
  }
}
