import { Redis } from 'ioredis';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../../test/helpers.js';
import {
  coupon,
  describeCouponIndexRaces,
  describeCouponStore,
} from '../../test/store-contract.js';
import { RedisKeys } from './redis/keys.redis.js';
import { redisStores } from './store.factory.js';
import { DEFAULT_STORE_OPTIONS } from './store.options.js';

const clients: Redis[] = [];
const prefixes: string[] = [];

describeCouponStore(
  'redis',
  async (options) => {
    const redis = new Redis(REDIS_URL);
    const prefix = uniquePrefix();
    clients.push(redis);
    prefixes.push(prefix);
    return redisStores(redis, { prefix, ...options });
  },
  async () => {
    await deleteKeys(...prefixes);
    await Promise.all(clients.map((client) => client.quit()));
  },
);

describeCouponIndexRaces(
  'redis',
  () => new Redis(REDIS_URL),
  (prefix) => deleteKeys(prefix),
);

describe('redis store keys', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = uniquePrefix();
  const store = redisStores(redis, {
    ...DEFAULT_STORE_OPTIONS,
    prefix,
    outcomeTtlMs: 3_600_000,
    logTtlMs: 3_600_000,
  });
  const keys = new RedisKeys(prefix);
  const now = Date.now();
  const periods = { day: '2026-11-25', week: '2026-W48' };
  afterAll(async () => {
    await deleteKeys(prefix);
    await redis.quit();
  });

  it('keeps every key of a coupon under its hash tag, outcomes kept until the caller’s now + TTL', async () => {
    await store.coupons.create(coupon('TAGGED', { userDaily: 5 }));
    const c = (await store.coupons.get('TAGGED'))!;
    const request = { couponCode: 'TAGGED', userId: 'u1', orderId: 'o:1' };
    await store.ledger.redeem({
      request,
      publication: '',
      outcomeKey: `order:${request.orderId}`,
      coupon: c,
      periods,
      now,
    });
    const names = (await redis.keys(`${prefix}:*`)).sort();
    // Two indexes of codes: the coupons now, and every code created (for erasing a user).
    expect(names.filter((name) => !name.startsWith(`${prefix}:{TAGGED}:`))).toEqual([
      keys.codeHistory,
      keys.couponIndex,
    ]);
    for (const key of [keys.outcome('TAGGED', 'order:o:1'), keys.log('TAGGED')]) {
      expect(await redis.pttl(key)).toBeGreaterThan(3_500_000);
      expect(await redis.pttl(key)).toBeLessThanOrEqual(3_600_000);
    }
    expect(await redis.hget(keys.outcome('TAGGED', 'order:o:1'), 'until')).toBe(
      String(now + 3_600_000),
    );
    expect(await redis.pttl(keys.window('TAGGED', 'day', '2026-11-25'))).toBeGreaterThan(
      47 * 3_600_000,
    );
    expect(await redis.type(keys.outcome('TAGGED', 'order:o:1'))).toBe('hash');
  });

  it('treats codes no coupon can have as absent, whatever keys they would spell', async () => {
    await store.coupons.create(coupon('REAL'));
    const request = { couponCode: 'REAL', userId: 'u1', orderId: 'ab}:coupon' };
    await store.ledger.redeem({
      request,
      publication: '',
      outcomeKey: `order:${request.orderId}`,
      coupon: (await store.coupons.get('REAL'))!,
      periods,
      now,
    });
    // "REAL}:outcome:order:ab" would spell the key of REAL's order "ab}:coupon".
    expect(await store.coupons.get('REAL}:outcome:order:ab')).toBeUndefined();
    expect(await store.coupons.delete('REAL}:outcome:order:ab')).toBe(false);
    expect(await store.ledger.findOutcome('REAL}:outcome:order:ab', 'x', now)).toBeUndefined();
  });
});
