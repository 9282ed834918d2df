import { COUNTER_NAMES } from '../../domain/coupon.js';

/**
 * Fields of a kept outcome record (a hash under RedisKeys.outcome): `status`, `reason`, `user`,
 * `order`, `discount`, `at` (ms) and the remaining counts make the outcome; `by` (the deciding
 * publication) and `until` (ms, by the caller's clock) drive the ledger's verdicts; an accepted
 * redemption adds `born`, `day` and `week` (where it counted); a rollback adds `rbBy` and the
 * restored flags. Remaining '' means unlimited. A decision on a unique code adds `code` (the unique
 * code as submitted) and, when accepted, `index` (its codeField), which a rollback gives back to.
 */
export const REMAINING_FIELDS = COUNTER_NAMES.map((name) => `rem.${name}`);
export const RESTORED_FIELDS = COUNTER_NAMES.map((name) => `rb.${name}`);

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A unique code's field in its coupon's code hashes: its index in base 62, at most 6 characters
 * for the 2^34 indexes, so a used code stays small (one hash entry, no key of its own).
 */
export function codeField(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`bad code index ${index}`);
  let field = '';
  do {
    field = BASE62[index % 62]! + field;
    index = Math.floor(index / 62);
  } while (index > 0);
  return field;
}

/** The index a codeField names. */
export function codeIndexOf(field: string): number {
  let index = 0;
  for (const char of field) index = index * 62 + BASE62.indexOf(char);
  return index;
}

/**
 * Every Redis key of the store, in one place. All keys of one coupon share the hash tag {CODE},
 * so each coupon's atomic scripts run on one Redis Cluster slot; all user keys share {users}.
 * Coupon codes are [A-Z0-9_-] only (the service never stores others), and free-form parts
 * (user ids, outcome keys, periods) always come last, so no two names can collide.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** Hash: `data` (the coupon as JSON, without born and version), `born` and `v` (its version). */
  coupon(code: string): string {
    return `${this.prefix}:{${code}}:coupon`;
  }

  /** Integer: uses by all users. */
  globalUsed(code: string): string {
    return `${this.prefix}:{${code}}:used`;
  }

  /** Hash: userId -> uses in all. */
  userTotals(code: string): string {
    return `${this.prefix}:{${code}}:totals`;
  }

  /** Hash: userId -> uses in one day (YYYY-MM-DD) or ISO week (YYYY-Www). */
  window(code: string, kind: 'day' | 'week', period: string): string {
    return `${this.prefix}:{${code}}:${kind}:${period}`;
  }

  /** Hash: `day` and `week`, the newest periods counted in. */
  newestPeriods(code: string): string {
    return `${this.prefix}:{${code}}:newest`;
  }

  /** Set: the names of this coupon's window hashes, for the resets. */
  windowIndex(code: string): string {
    return `${this.prefix}:{${code}}:windows`;
  }

  /** Hash: codeField(index) -> uses of that unique code; only used codes have a field. */
  codeUses(code: string): string {
    return `${this.prefix}:{${code}}:code-uses`;
  }

  /** Hash: codeField(index) -> when that unique code was revoked (ms, by the caller's clock). */
  revokedCodes(code: string): string {
    return `${this.prefix}:{${code}}:code-revoked`;
  }

  /** Sorted set: the order ids of the coupon's holds, scored by expiry (ms, by the caller's clock). */
  holds(code: string): string {
    return `${this.prefix}:{${code}}:holds`;
  }

  /**
   * Hash: live holds per user ('u:<user>'), per user in a day ('d:<day>:<user>') or week
   * ('w:<week>:<user>'), and per unique code ('c:<codeField>'); see lua/includes/holds.lua.
   */
  held(code: string): string {
    return `${this.prefix}:{${code}}:held`;
  }

  /** Where a hold's record (a hash, see lua/includes/holds.lua) is: this prefix and its order id. */
  holdPrefix(code: string): string {
    return `${this.prefix}:{${code}}:hold:`;
  }

  /**
   * Hash with an expiry: a copy of the hold a reserve publication made (its record's fields and
   * `until`), so that the job run again answers it (holds.reserveVerdict 'rerun').
   */
  reserveRun(code: string, publication: string): string {
    return `${this.prefix}:{${code}}:reserve-run:${publication}`;
  }

  /** Hash with an expiry: the outcome kept under an outcome key ("order:<id>" or "job:<publication>"). */
  outcome(code: string, key: string): string {
    return `${this.prefix}:{${code}}:outcome:${key}`;
  }

  /**
   * Set: the outcome keys (full names) kept for one user's orders of this coupon, so erasing a
   * user finds them without a scan; expires with the longest-kept of them.
   */
  userOutcomes(code: string, userId: string): string {
    return `${this.prefix}:{${code}}:user-outcomes:${userId}`;
  }

  /** Stream: the coupon's redemption log (decisions and rollbacks), trimmed to the log TTL. */
  log(code: string): string {
    return `${this.prefix}:{${code}}:log`;
  }

  /**
   * Hash with an expiry: one day's statistics (domain/stats.ts statsFields: status -> count,
   * 'r:'reason -> count), the last key of every script that logs (lua/includes/log.lua).
   */
  stats(code: string, day: string): string {
    return `${this.prefix}:{${code}}:stats:${day}`;
  }

  /**
   * String with a short expiry, written just before a WAIT for replicas: a write of this
   * connection in the coupon's slot, so WAIT covers whatever was written there before, by any
   * connection (a decision replayed from another worker's run).
   */
  replicaMark(code: string): string {
    return `${this.prefix}:{${code}}:replica-mark`;
  }

  /** Sorted set (all scores 0, so ordered by code): every coupon code. */
  get couponIndex(): string {
    return `${this.prefix}:coupon-index`;
  }

  /**
   * Sorted set (all scores 0): every code a coupon was created under, deleted ones too, whose kept
   * outcomes and log outlive them: where erasing a user looks.
   */
  get codeHistory(): string {
    return `${this.prefix}:code-history`;
  }

  /**
   * Prefix of rate-limiter-flexible's counters of COUPON_NOT_FOUND refusals (strings with an
   * expiry): `<this>:user:<n>` and `<this>:address:<n>`, n < GUESS_COUNTERS.
   */
  get guesses(): string {
    return `${this.prefix}:guesses`;
  }

  /** String: the user as JSON. */
  user(id: string): string {
    return `${this.prefix}:{users}:user:${id}`;
  }

  /** String: the id of the user with this email, lower-cased. */
  email(email: string): string {
    return `${this.prefix}:{users}:email:${email.toLowerCase()}`;
  }

  /** Sorted set (all scores 0, so ordered by id): every user id. */
  get userIndex(): string {
    return `${this.prefix}:{users}:index`;
  }
}
