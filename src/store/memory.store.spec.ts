import { coupon, describeCouponStore } from '../../test/store-contract.js';
import { memoryStores } from './store.factory.js';

describeCouponStore('memory', async (options) => memoryStores(options));

describe('memory store pruning', () => {
  it('forgets outcomes and log entries past their TTL when pruned', async () => {
    const store = memoryStores({ outcomeTtlMs: 1000, logTtlMs: 1000 });
    const c = coupon('AAA');
    await store.coupons.create(c);
    const read = (await store.coupons.get('AAA'))!;
    const now = 1_000_000;
    await store.ledger.redeem({
      request: { couponCode: 'AAA', userId: 'u1', orderId: 'o1' },
      publication: '',
      outcomeKey: 'order:o1',
      coupon: read,
      periods: { day: '2026-11-25', week: '2026-W48' },
      now,
    });
    expect(await store.ledger.pruneExpired(now + 999)).toBe(0);
    expect(await store.ledger.pruneExpired(now + 1000)).toBe(1);
    expect((await store.log.list('AAA', { limit: 10 }, now)).items).toEqual([]);
  });
});
