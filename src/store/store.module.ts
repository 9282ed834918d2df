import { Global, Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { CouponStore } from './coupon-store.js';
import { MemoryCouponStore } from './memory.store.js';
import { RedisCouponStore } from './redis.store.js';

@Global()
@Module({
  providers: [
    {
      provide: CouponStore,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): CouponStore => {
        const outcomeTtlMs = config.idempotencyTtlHours * 3600_000;
        if (config.store === 'memory') return new MemoryCouponStore({ outcomeTtlMs });
        const redis = new Redis(config.redisUrl!, { connectionName: 'coupon-store' });
        return new RedisCouponStore(redis, { prefix: config.storePrefix, outcomeTtlMs });
      },
    },
  ],
  exports: [CouponStore],
})
export class StoreModule {}
