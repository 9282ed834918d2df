import type { Remaining } from '@coupon-code-service/client/contract';
import { COUNTER_NAMES, NO_USAGE, type UsageCounts } from './coupon.js';
import type { KeptOutcome } from './ledger.js';
import type { Periods } from './periods.js';

/**
 * Checkout holds: a use held for an order while its customer pays. Pure policy, as ledger.ts: the
 * memory store applies it, the Redis scripts mirror it (each names what it mirrors), and the
 * store contract suite proves they agree.
 *
 * A hold is a use with an expiry. While it lives it counts against every repeat count (and its
 * unique code's own uses) as a use does, in the day and week it was reserved in; at `expiresAt`
 * it stops counting, whatever runs or does not run: every atomic step that reads holds first
 * drops those that have expired. A `redeem` of the same order by the same user with the same code
 * confirms it: the held use becomes a counted one, in the day and week of the hold.
 */
export interface Hold {
  orderId: string;
  userId: string;
  /** The unique code as submitted, when the hold is on one; undefined for the coupon's own code. */
  uniqueCode?: string;
  /** That code's index, whose own uses the hold holds one of. */
  codeIndex?: number;
  /** The day and week the hold counts in (the counting periods when it was reserved). */
  periods: Periods;
  reservedAt: number;
  /** Epoch ms: the hold counts while now < expiresAt. */
  expiresAt: number;
  /** Uses left with this hold counted, as answered when it was reserved. */
  remaining: Remaining;
}

/** The hold of an order that still counts at `now`. */
export const isLive = (hold: Hold | undefined, now: number): hold is Hold =>
  hold !== undefined && hold.expiresAt > now;

/** When a hold reserved at `now` for `ttlSeconds` ends. */
/** A code unit's place in code point order: surrogates (astral characters) sort after U+FFFF. */
const codePointRank = (unit: number) =>
  unit < 0xd800 ? unit : unit < 0xe000 ? unit + 0x2000 : unit - 0x800;

/**
 * Holds in the order they expire, then by order id in code point order: the order of Redis's
 * sorted set, which sorts equal scores by their UTF-8 bytes (JavaScript's `<` compares UTF-16
 * code units, which puts astral characters before U+E000-U+FFFF).
 */
export function expiryOrder(a: Hold, b: Hold): number {
  if (a.expiresAt !== b.expiresAt) return a.expiresAt - b.expiresAt;
  const x = a.orderId;
  const y = b.orderId;
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const unit = x.charCodeAt(i);
    const other = y.charCodeAt(i);
    if (unit !== other) return codePointRank(unit) - codePointRank(other);
  }
  return x.length - y.length;
}

export const holdExpiry = (now: number, ttlSeconds: number): number => now + ttlSeconds * 1000;

/** Whether a request is the one the hold was made for: the same user with the same code. */
function isHolder(hold: Hold, request: { userId: string; uniqueCode?: string }): boolean {
  return hold.userId === request.userId && hold.uniqueCode === request.uniqueCode;
}

/**
 * How a `reserve` meets the hold its own publication made, the order's live hold and what is kept
 * under the order:
 * - `rerun`: this publication made a hold before (BullMQ running its job again after a crash): it
 *   answers that hold again, also once it has ended, holding nothing new;
 * - `replay`: the order is held for this user and code already; the first hold answers;
 * - `conflict`: it is held for another user or code, or its redemption stands (accepted and not
 *   rolled back): ORDER_CONFLICT, nothing changes;
 * - `decide`: reserve afresh (a kept refusal counted nothing, a rolled-back redemption gave its
 *   use back).
 */
export function reserveVerdict(
  hold: Hold | undefined,
  kept: Pick<KeptOutcome, 'outcome' | 'keptUntil' | 'rollback'> | undefined,
  request: { userId: string; uniqueCode?: string },
  now: number,
  madeBefore?: Hold,
): 'decide' | 'rerun' | 'replay' | 'conflict' {
  if (madeBefore) return 'rerun';
  if (isLive(hold, now)) return isHolder(hold, request) ? 'replay' : 'conflict';
  const stands = kept !== undefined && kept.keptUntil > now && !kept.rollback;
  return stands && kept.outcome.status === 'accepted' ? 'conflict' : 'decide';
}

/**
 * Whether a new hold of the order ends what is kept under it: a refusal (which counted nothing) is
 * kept no more, so once the hold has ended the order is decided afresh, not answered with the
 * refusal from before the hold.
 */
export const holdSupersedes = (
  kept: Pick<KeptOutcome, 'outcome' | 'keptUntil' | 'rollback'> | undefined,
  now: number,
): boolean =>
  kept !== undefined &&
  kept.keptUntil > now &&
  !kept.rollback &&
  kept.outcome.status === 'rejected';

/**
 * How a `redeem` meets the order's live hold, before ledger.redeemVerdict: the very publication
 * that decided what is kept (BullMQ running its job again) replays it, whatever came since;
 * otherwise a live hold of the order is confirmed by its holder and refused to anyone else
 * (ORDER_CONFLICT). Undefined: no hold to meet, redeemVerdict decides.
 */
export function holdVerdict(
  hold: Hold | undefined,
  kept: Pick<KeptOutcome, 'decidedBy' | 'keptUntil'> | undefined,
  request: { userId: string; publication: string; uniqueCode?: string },
  now: number,
): 'confirm' | 'conflict' | undefined {
  if (!isLive(hold, now)) return undefined;
  if (
    kept &&
    kept.keptUntil > now &&
    kept.decidedBy !== '' &&
    kept.decidedBy === request.publication
  ) {
    return undefined;
  }
  return isHolder(hold, request) ? 'confirm' : 'conflict';
}

/**
 * Whether a `release` frees the order's live hold: only its user's, named by the coupon's code or
 * by the hold's own unique code.
 */
export function releases(
  hold: Hold | undefined,
  request: { userId: string; uniqueCode?: string },
  now: number,
): hold is Hold {
  if (!isLive(hold, now) || hold.userId !== request.userId) return false;
  return request.uniqueCode === undefined || request.uniqueCode === hold.uniqueCode;
}

/**
 * Which window counters a confirmed hold counts its use on: those whose period is still the hold's.
 * A hold reserved yesterday counts in yesterday, which reads 0 today, so today's count is left
 * alone (it never held a use of today, and a use of today may have taken that room since).
 */
export function confirmedWindows(
  hold: Pick<Hold, 'periods'>,
  current: Periods,
): { day: boolean; week: boolean } {
  return { day: hold.periods.day === current.day, week: hold.periods.week === current.week };
}

/**
 * The uses live holds hold against each counter for one user at `periods`: all of them against
 * the global count, the user's against the user's total, and those reserved in the current day or
 * week against that window.
 */
export function heldCounts(
  liveHolds: number,
  usersHolds: Iterable<Pick<Hold, 'periods'>>,
  periods: Periods,
): UsageCounts {
  const held = { ...NO_USAGE, globalTotal: liveHolds };
  for (const hold of usersHolds) {
    held.userTotal += 1;
    if (hold.periods.week === periods.week) held.userWeekly += 1;
    if (hold.periods.day === periods.day) held.userDaily += 1;
  }
  return held;
}

/** What a limit check reads: uses counted plus uses held. */
export function usedOrHeld(used: UsageCounts, held: UsageCounts): UsageCounts {
  const sum = { ...used };
  for (const name of COUNTER_NAMES) sum[name] += held[name];
  return sum;
}
