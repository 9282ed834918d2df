import { Global, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { CouponStore } from './coupon-store.js';
import { MemoryCouponStore } from './memory.store.js';

@Global()
@Module({
  providers: [
    {
      provide: CouponStore,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new MemoryCouponStore({ outcomeTtlMs: config.idempotencyTtlHours * 3600_000 }),
    },
  ],
  exports: [CouponStore],
})
export class StoreModule {}
