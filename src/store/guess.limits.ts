import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/** Who a guess is counted against: the job's user, or the REST client's address. */
export type Guesser = 'user' | 'address';

/**
 * Users and addresses share this many counters each, picked by a hash: what is kept stays bounded
 * whatever ids a caller sends (a bot with a new id per request gets nowhere either).
 */
export const GUESS_COUNTERS = 16_384;

/**
 * Counts COUPON_NOT_FOUND refusals per user or address over an hour (GUESS_LIMIT_PER_HOUR), in
 * the store's place: one process's memory, or Redis, shared by every process.
 */
export class GuessLimits {
  constructor(
    private readonly limiter: RateLimiterAbstract | undefined,
    private readonly limit: number,
  ) {}

  /** Seconds until this guesser's hour is over when it is at the limit; 0 when it may go on. */
  async blockedFor(kind: Guesser, id: string): Promise<number> {
    if (!this.limiter) return 0;
    const counted = await this.limiter.get(counter(kind, id));
    return counted && counted.consumedPoints >= this.limit ? seconds(counted.msBeforeNext) : 0;
  }

  /** Counts one refusal; returns blockedFor after it (non-zero when this one went past the limit). */
  async guessed(kind: Guesser, id: string): Promise<number> {
    if (!this.limiter) return 0;
    const counted = await this.limiter.penalty(counter(kind, id), 1);
    return counted.consumedPoints > this.limit ? seconds(counted.msBeforeNext) : 0;
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** FNV-1a: quick and even enough to spread ids over the counters. */
function counter(kind: Guesser, id: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `${kind}:${(hash >>> 0) % GUESS_COUNTERS}`;
}
