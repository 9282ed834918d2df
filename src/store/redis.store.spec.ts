import { Redis } from 'ioredis';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../../test/helpers.js';
import { coupon, describeCouponStore } from '../../test/store-contract.js';
import { RedisKeys } from './redis-keys.js';
import { RedisCouponStore } from './redis.store.js';

const clients: Redis[] = [];
const prefixes: string[] = [];

describeCouponStore(
  'redis',
  async (options) => {
    const redis = new Redis(REDIS_URL);
    const prefix = uniquePrefix();
    clients.push(redis);
    prefixes.push(prefix);
    return new RedisCouponStore(redis, { prefix, ...options });
  },
  {
    outcomesExpireByCallerClock: false,
    cleanup: async () => {
      for (const prefix of prefixes) await deleteKeys(`${prefix}:*`);
      await Promise.all(clients.map((client) => client.quit()));
    },
  },
);

describe('redis store keys', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = uniquePrefix();
  const store = new RedisCouponStore(redis, {
    prefix,
    outcomeTtlMs: 3_600_000,
    logTtlMs: 3_600_000,
  });
  const keys = new RedisKeys(prefix);
  afterAll(async () => {
    await deleteKeys(`${prefix}:*`);
    await redis.quit();
  });

  it('keeps every key of a coupon under its hash tag, with TTLs on outcomes and window counters', async () => {
    const c = coupon('TAGGED', { userDaily: 5 });
    await store.createCoupon(c);
    const now = Date.parse('2026-11-25T12:00:00Z');
    const request = { couponCode: 'TAGGED', userId: 'u1', orderId: 'o:1' };
    await store.redeem({
      request,
      outcomeKey: `order:${request.orderId}`,
      couponVersion: 1,
      limits: c.repeatCounts,
      discountPercentage: 15,
      periods: { day: '2026-11-25', week: '2026-W48' },
      now,
    });
    const names = (await redis.keys(`${prefix}:*`)).sort();
    expect(names.filter((name) => !name.startsWith(`${prefix}:{TAGGED}:`))).toEqual([
      keys.couponIndex,
    ]);
    const ttl = await redis.pttl(keys.outcome('TAGGED', 'order:o:1'));
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    expect(await redis.pttl(keys.window('TAGGED', 'day', '2026-11-25'))).toBeGreaterThan(
      24 * 3_600_000,
    );
  });

  it('treats codes no coupon can have as absent, whatever keys they would spell', async () => {
    await store.createCoupon(coupon('REAL'));
    const request = { couponCode: 'REAL', userId: 'u1', orderId: 'ab}:coupon' };
    await store.redeem({
      request,
      outcomeKey: `order:${request.orderId}`,
      couponVersion: 1,
      limits: coupon('REAL').repeatCounts,
      discountPercentage: 15,
      periods: { day: '2026-11-25', week: '2026-W48' },
      now: 0,
    });
    // "REAL}:outcome:order:ab" would spell the key of REAL's order "ab}:coupon".
    expect(await store.getCoupon('REAL}:outcome:order:ab')).toBeUndefined();
    expect(await store.deleteCoupon('REAL}:outcome:order:ab')).toBe(false);
    expect(await store.findOutcome('REAL}:outcome:order:ab', 'x')).toBeUndefined();
  });

  it('replays and rolls back what a version from before rollbacks stored', async () => {
    const c = coupon('OLDER', { userDaily: 5 });
    await store.createCoupon(c);
    // That version wrote no birth version on coupons and "full|used|context" outcome records.
    await redis.hdel(keys.coupon('OLDER'), 'born');
    const periods = { day: '2026-11-25', week: '2026-W48' };
    const now = Date.parse('2026-11-25T12:00:00Z');
    const attempt = (orderId: string) => ({
      request: { couponCode: 'OLDER', userId: 'u1', orderId },
      outcomeKey: `order:${orderId}`,
      couponVersion: 1,
      limits: c.repeatCounts,
      discountPercentage: 15,
      periods,
      now,
    });
    const first = await store.redeem(attempt('o1'));
    const record = (await redis.get(keys.outcome('OLDER', 'order:o1')))!;
    const [full, used] = record.split('|');
    await redis.set(
      keys.outcome('OLDER', 'order:o1'),
      `${full}|${used}|${record.slice(record.indexOf('|{') + 1)}`,
    );
    expect(await store.redeem(attempt('o1'))).toEqual(first);

    await store.redeem(attempt('o2'));
    const rollback = (orderId: string) => ({
      request: { couponCode: 'OLDER', userId: 'u1', orderId },
      outcomeKey: `order:${orderId}`,
      periods,
      now,
    });
    expect(await store.rollback(rollback('o2'))).toEqual({
      status: 'rolled-back',
      restored: { globalTotal: true, userTotal: true, userWeekly: true, userDaily: true },
    });
    // The old record does not say in which day and week it counted: only the totals come back.
    expect(await store.rollback(rollback('o1'))).toEqual({
      status: 'rolled-back',
      restored: { globalTotal: true, userTotal: true, userWeekly: false, userDaily: false },
    });
    expect(await store.findOutcome('OLDER', 'order:o1')).toBeUndefined();
    expect(await store.getUsage('OLDER', 'u1', periods)).toEqual({
      globalTotal: 0,
      userTotal: 0,
      userWeekly: 1,
      userDaily: 1,
    });
  });
});
