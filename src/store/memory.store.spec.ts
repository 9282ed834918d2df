import { describeCouponStore } from '../../test/store-contract.js';
import { MemoryCouponStore } from './memory.store.js';

describeCouponStore('memory', async ({ outcomeTtlMs }) => new MemoryCouponStore({ outcomeTtlMs }), {
  outcomesExpireByCallerClock: true,
});
