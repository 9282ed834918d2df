import { describeCouponStore } from '../../test/store-contract.js';
import { MemoryCouponStore } from './memory.store.js';

describeCouponStore('memory', async (options) => new MemoryCouponStore(options), {
  outcomesExpireByCallerClock: true,
});
