import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../../test/helpers.js';
import {
  coupon,
  describeCouponIndexRaces,
  describeCouponStore,
} from '../../test/store-contract.js';
import { codeCipher, INDEX_SPACE, type CodeBatch } from '../domain/unique-codes.js';
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
    // The day's statistics last STATS_RETENTION_DAYS (400 by default) after their last count.
    const stats = keys.stats('TAGGED', new Date(now).toISOString().slice(0, 10));
    expect(await redis.hgetall(stats)).toEqual({ accepted: '1' });
    expect(await redis.pttl(stats)).toBeGreaterThan(400 * 24 * 3_600_000 - 100_000);
    expect(await redis.pttl(stats)).toBeLessThanOrEqual(400 * 24 * 3_600_000);
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

describe('redis store: unique codes’ memory', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = uniquePrefix();
  // Nothing kept or logged: only the code hash is measured, and the run stays short.
  const store = redisStores(redis, { ...DEFAULT_STORE_OPTIONS, prefix, logTtlMs: 0 });
  afterAll(async () => {
    await deleteKeys(prefix);
    await redis.quit();
  });

  it('takes at most 64 bytes per used code: 20,000 used codes of a 10,000,000-code batch', async () => {
    // The batch at the end of the index space: its codes have the longest fields (6 characters).
    const batch: CodeBatch = {
      batch: 1,
      count: 10_000_000,
      usesPerCode: 1,
      createdAt: Date.now(),
      first: INDEX_SPACE - 10_000_000,
    };
    const c = {
      ...coupon('MANY'),
      codes: { secret: randomBytes(32).toString('hex'), batches: [batch] },
    };
    await store.coupons.create(c);
    const read = (await store.coupons.get('MANY'))!;
    const cipher = codeCipher(c.codes.secret);
    const indexes = new Set<number>();
    while (indexes.size < 20_000)
      indexes.add(batch.first + Math.floor(Math.random() * batch.count));
    const outcomes = await Promise.all(
      [...indexes].map((index, i) =>
        store.ledger.redeem({
          request: { couponCode: `MANY-${cipher.body(index)}`, coupon: 'MANY', userId: `u${i}` },
          publication: '',
          outcomeKey: undefined,
          coupon: read,
          uniqueCode: { index, limit: 1 },
          periods: { day: '2026-11-25', week: '2026-W48' },
          now: Date.now(),
        }),
      ),
    );
    expect(outcomes.filter((o) => o !== 'stale-coupon' && o.status === 'accepted')).toHaveLength(
      20_000,
    );
    const hash = new RedisKeys(prefix).codeUses('MANY');
    expect(await redis.hlen(hash)).toBe(20_000);
    const bytes = (await redis.call('MEMORY', 'USAGE', hash, 'SAMPLES', '0')) as number;
    console.log(`unique codes: ${(bytes / 20_000).toFixed(1)} bytes per used code`);
    expect(bytes / 20_000).toBeLessThanOrEqual(64);
  });
});
