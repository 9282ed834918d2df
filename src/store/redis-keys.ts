/**
 * Every Redis key of the store, in one place. All keys of one coupon share the hash tag {CODE},
 * so each coupon's atomic scripts run on one Redis Cluster slot; all user keys share {users}.
 * Coupon codes are [A-Z0-9_-] only (the service never stores others), and free-form parts
 * (user ids, outcome keys, periods) always come last, so no two names can collide.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** Hash: `data` (the coupon as JSON, without version) and `v` (its version). */
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

  /** Integer: the last version given to this code; it outlives the coupon, so versions never repeat. */
  lastVersion(code: string): string {
    return `${this.prefix}:{${code}}:version`;
  }

  /** String with a TTL: the first outcome under an outcome key ("order:<id>" or "job:<id>"). */
  outcome(code: string, key: string): string {
    return `${this.prefix}:{${code}}:outcome:${key}`;
  }

  /** Stream: the coupon's redemption log (decisions and rollbacks), trimmed to the log TTL. */
  log(code: string): string {
    return `${this.prefix}:{${code}}:log`;
  }

  /** Sorted set (all scores 0, so ordered by code): every coupon code. */
  get couponIndex(): string {
    return `${this.prefix}:coupon-index`;
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
