import { coupon, describeCouponStore } from '../../test/store-contract.js';
import { memoryStores } from './store.factory.js';
import { DEFAULT_STORE_OPTIONS } from './store.options.js';

describeCouponStore('memory', async (options) => memoryStores(options));

describe('memory store pruning', () => {
  it('forgets outcomes and log entries past their TTL when pruned', async () => {
    const store = memoryStores({ ...DEFAULT_STORE_OPTIONS, outcomeTtlMs: 1000, logTtlMs: 1000 });
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

describe('memory store statistics', () => {
  it('drops the days past STATS_RETENTION_DAYS once a new day is counted', async () => {
    const DAY = 24 * 3_600_000;
    const store = memoryStores({ ...DEFAULT_STORE_OPTIONS, statsRetentionMs: 2 * DAY });
    await store.coupons.create(coupon('AAA'));
    const read = (await store.coupons.get('AAA'))!;
    const start = Date.parse('2026-11-20T12:00:00Z');
    for (const [i, day] of ['2026-11-20', '2026-11-22', '2026-11-23'].entries()) {
      await store.ledger.redeem({
        request: { couponCode: 'AAA', userId: 'u1', orderId: `o${i}` },
        publication: '',
        outcomeKey: `order:o${i}`,
        coupon: read,
        periods: { day, week: '2026-W47' },
        now: start + (Date.parse(day) - Date.parse('2026-11-20')),
      });
    }
    const accepted = async (day: string) => (await store.stats.days('AAA', [day]))[0]!.accepted;
    expect(await accepted('2026-11-20')).toBe(0);
    expect(await accepted('2026-11-22')).toBe(1);
    expect(await accepted('2026-11-23')).toBe(1);
  });
});

describe('memory store bound', () => {
  it('keeps at most maxOutcomes outcomes, evicting the oldest, and counts the evictions', async () => {
    const store = memoryStores({ ...DEFAULT_STORE_OPTIONS, maxOutcomes: 3 });
    await store.coupons.create(coupon('AAA'));
    const read = (await store.coupons.get('AAA'))!;
    const redeem = (orderId: string) =>
      store.ledger.redeem({
        request: { couponCode: 'AAA', userId: 'u1', orderId },
        publication: '',
        outcomeKey: `order:${orderId}`,
        coupon: read,
        periods: { day: '2026-11-25', week: '2026-W48' },
        now: 1_000_000,
      });
    for (const orderId of ['o1', 'o2', 'o3']) await redeem(orderId);
    await redeem('o1'); // a replay keeps o1 where it was: the oldest
    expect(store.ledger.keptOutcomes()).toEqual({ kept: 3, evicted: 0 });
    await redeem('o4');
    await redeem('o5');
    expect(store.ledger.keptOutcomes()).toEqual({ kept: 3, evicted: 2 });
    const kept = async (orderId: string) =>
      (await store.ledger.findOutcome('AAA', `order:${orderId}`, 1_000_000)) !== undefined;
    expect(await Promise.all(['o1', 'o2', 'o3', 'o4', 'o5'].map(kept))).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
  });
});
