import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { CouponRepository } from './coupon.repository.js';
import { GuessLimits } from './guess.limits.js';
import { MemoryCouponRepository } from './memory/coupons.memory.js';
import { MemoryData } from './memory/data.memory.js';
import { MemoryUsageLedger } from './memory/ledger.memory.js';
import { MemoryRedemptionLog } from './memory/log.memory.js';
import { MemoryRedemptionStats } from './memory/stats.memory.js';
import { MemoryUsageReport } from './memory/report.memory.js';
import { MemoryUserRepository } from './memory/users.memory.js';
import { RedemptionLog, RedemptionStats } from './redemption.log.js';
import { RedisCouponRepository } from './redis/coupons.redis.js';
import { RedisKeys } from './redis/keys.redis.js';
import { RedisUsageLedger } from './redis/ledger.redis.js';
import { RedisRedemptionLog } from './redis/log.redis.js';
import { RedisRedemptionStats } from './redis/stats.redis.js';
import { RedisUsageReport } from './redis/report.redis.js';
import { RedisScripts } from './redis/scripts.redis.js';
import type { RedisClient } from './redis/client.redis.js';
import { RedisUserRepository } from './redis/users.redis.js';
import type { StoreOptions } from './store.options.js';
import { UsageLedger } from './usage.ledger.js';
import { UsageReport } from './usage.report.js';
import { UserRepository } from './user.repository.js';

/** The six ports, as one store kind provides them, and the guess counters kept beside them. */
export interface Stores {
  coupons: CouponRepository;
  users: UserRepository;
  ledger: UsageLedger;
  log: RedemptionLog;
  stats: RedemptionStats;
  report: UsageReport;
  guesses: GuessLimits;
}

const GUESS_WINDOW_SECONDS = 3600;

/** The single-process store: all six ports over one MemoryData. */
export function memoryStores(options: StoreOptions): Stores {
  const data = new MemoryData(options);
  const limit = options.guessLimitPerHour;
  return {
    coupons: new MemoryCouponRepository(data),
    users: new MemoryUserRepository(data),
    ledger: new MemoryUsageLedger(data),
    log: new MemoryRedemptionLog(data),
    stats: new MemoryRedemptionStats(data),
    report: new MemoryUsageReport(data),
    guesses: new GuessLimits(
      limit > 0
        ? new RateLimiterMemory({ points: limit, duration: GUESS_WINDOW_SECONDS })
        : undefined,
      limit,
    ),
  };
}

/**
 * The shared, durable store: all six ports on one Redis connection or Redis Cluster client (key
 * layout in keys.redis.ts).
 */
export function redisStores(
  redis: RedisClient,
  options: StoreOptions & { prefix: string },
): Stores {
  const scripts = new RedisScripts(redis);
  const keys = new RedisKeys(options.prefix);
  const limit = options.guessLimitPerHour;
  return {
    coupons: new RedisCouponRepository(redis, scripts, keys),
    users: new RedisUserRepository(redis, scripts, keys),
    ledger: new RedisUsageLedger(scripts, keys, options),
    log: new RedisRedemptionLog(scripts, keys, options.logTtlMs),
    stats: new RedisRedemptionStats(redis, keys),
    report: new RedisUsageReport(redis, keys),
    guesses: new GuessLimits(
      limit > 0
        ? new RateLimiterRedis({
            // An ioredis Cluster works as well: each counter is one key, and rate-limiter-flexible
            // sends one command (its own Lua, or a MULTI) per key.
            storeClient: redis,
            keyPrefix: keys.guesses,
            points: limit,
            duration: GUESS_WINDOW_SECONDS,
          })
        : undefined,
      limit,
    ),
  };
}
