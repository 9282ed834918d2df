import { Global, Logger, Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { CouponStore } from './coupon-store.js';
import { MemoryCouponStore } from './memory.store.js';
import { RedisCouponStore } from './redis.store.js';

const logger = new Logger('Store');

@Global()
@Module({
  providers: [
    {
      provide: CouponStore,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): CouponStore => {
        const outcomeTtlMs = config.idempotencyTtlHours * 3600_000;
        const logTtlMs = config.redemptionLogTtlDays * 24 * 3600_000;
        if (config.store === 'memory') return new MemoryCouponStore({ outcomeTtlMs, logTtlMs });
        // Fail fast while Redis is away: the API answers 503, a worker's job is retried later.
        const redis = new Redis(config.redisUrl!, {
          connectionName: 'coupon-store',
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
        });
        // ioredis reconnects by itself; say so in the log instead of an unhandled error event.
        redis.on('error', (error: Error) =>
          logger.warn(`Redis store connection: ${error.message}`),
        );
        return new RedisCouponStore(redis, {
          prefix: config.storePrefix,
          outcomeTtlMs,
          logTtlMs,
        });
      },
    },
  ],
  exports: [CouponStore],
})
export class StoreModule {}
