import { Global, Module } from '@nestjs/common';
import { CouponStore } from './coupon-store.js';
import { MemoryCouponStore } from './memory.store.js';

@Global()
@Module({
  providers: [{ provide: CouponStore, useClass: MemoryCouponStore }],
  exports: [CouponStore],
})
export class StoreModule {}
