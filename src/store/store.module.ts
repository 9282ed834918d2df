import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { redisClient } from '../redis/connections.js';
import type { RedisClient } from './redis/client.redis.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { CouponRepository } from './coupon.repository.js';
import { RedemptionLog, RedemptionStats } from './redemption.log.js';
import { GuessLimits } from './guess.limits.js';
import { memoryStores, redisStores, type Stores } from './store.factory.js';
import { storeOptions } from './store.options.js';
import { UsageLedger } from './usage.ledger.js';
import { UsageReport } from './usage.report.js';
import { UserRepository } from './user.repository.js';

const logger = new Logger('Store');
const STORES = Symbol('STORES');
export const STORE_REDIS = Symbol('STORE_REDIS');

/** Closes the store's Redis connection, if it has one, when the app shuts down. */
class StoreConnection implements OnApplicationShutdown {
  constructor(@Inject(STORE_REDIS) private readonly redis: RedisClient | undefined) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit();
  }
}

/**
 * The store's six ports (coupons, users, the usage ledger, the redemption log and statistics, the
 * usage report) and its guess counters, by STORE.
 */
@Global()
@Module({
  providers: [
    {
      provide: STORE_REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): RedisClient | undefined => {
        if (config.store === 'memory') return undefined;
        // Fail fast while Redis is away: the API answers 503, a worker's job is retried later.
        const redis = redisClient(config, {
          connectionName: 'coupon-store',
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
        });
        // ioredis reconnects by itself; say so in the log instead of an unhandled error event.
        redis.on('error', (error: Error) =>
          logger.warn(`Redis store connection: ${error.message}`),
        );
        return redis;
      },
    },
    {
      provide: STORES,
      inject: [APP_CONFIG, STORE_REDIS],
      useFactory: (config: AppConfig, redis: RedisClient | undefined): Stores => {
        const options = storeOptions(config);
        return redis
          ? redisStores(redis, { ...options, prefix: config.storePrefix })
          : memoryStores(options);
      },
    },
    StoreConnection,
    { provide: CouponRepository, inject: [STORES], useFactory: (s: Stores) => s.coupons },
    { provide: UserRepository, inject: [STORES], useFactory: (s: Stores) => s.users },
    { provide: UsageLedger, inject: [STORES], useFactory: (s: Stores) => s.ledger },
    { provide: RedemptionLog, inject: [STORES], useFactory: (s: Stores) => s.log },
    { provide: RedemptionStats, inject: [STORES], useFactory: (s: Stores) => s.stats },
    { provide: UsageReport, inject: [STORES], useFactory: (s: Stores) => s.report },
    { provide: GuessLimits, inject: [STORES], useFactory: (s: Stores) => s.guesses },
  ],
  exports: [
    STORE_REDIS,
    CouponRepository,
    UserRepository,
    UsageLedger,
    RedemptionLog,
    RedemptionStats,
    UsageReport,
    GuessLimits,
  ],
})
export class StoreModule {}
