/**
 * (i) Redis memory of unique codes, on a store built directly: a coupon with one batch of
 * `codes` single-use codes, of which `used` (spread over the whole batch) are redeemed by 1,000
 * users, keeping no outcome and with the redemption log off, so what grows is what the codes and
 * the coupon's counters take. Reported: INFO used_memory growth, and the MEMORY USAGE of every key
 * of the coupon (immune to other clients of the shared Redis), each per used code.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { UNLIMITED } from '../src/domain/coupon.js';
import { periodsAt } from '../src/domain/periods.js';
import { codeCipher } from '../src/domain/unique-codes.js';
import { redisStores } from '../src/store/store.factory.js';
import { DEFAULT_STORE_OPTIONS } from '../src/store/store.options.js';
import { childMain, coupon, REDIS_URL, send, USERS, userId } from './common.js';

interface CodesSpec {
  storePrefix: string;
  codes: number;
  used: number;
  inFlight: number;
}

const spec = JSON.parse(process.argv[2]) as CodesSpec;
const CODE = 'BENCH-CODES';

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const store = redisStores(redis, {
    prefix: spec.storePrefix,
    ...DEFAULT_STORE_OPTIONS,
    logTtlMs: 0,
  });
  try {
    const now = Date.now();
    const secret = randomBytes(32).toString('hex');
    const created = coupon(CODE, UNLIMITED, now);
    created.codes = {
      secret,
      batches: [{ batch: 1, first: 0, count: spec.codes, usesPerCode: 1, createdAt: now }],
    };
    await store.coupons.create(created);
    const stored = (await store.coupons.get(CODE))!;
    const periods = periodsAt(now, 'UTC');
    const cipher = codeCipher(secret);
    const step = Math.floor(spec.codes / spec.used);

    const before = await usedMemory(redis);
    const started = performance.now();
    let next = 0;
    let accepted = 0;
    const lane = async () => {
      while (next < spec.used) {
        const i = next++;
        const index = i * step;
        const outcome = await store.ledger.redeem({
          request: {
            couponCode: `${CODE}-${cipher.body(index)}`,
            coupon: CODE,
            userId: userId(i % USERS),
          },
          publication: '',
          outcomeKey: undefined,
          coupon: stored,
          uniqueCode: { index, limit: 1 },
          periods,
          now,
        });
        if (outcome !== 'stale-coupon' && outcome.status === 'accepted') accepted++;
      }
    };
    await Promise.all(Array.from({ length: spec.inFlight }, lane));
    const redeemMs = performance.now() - started;
    const after = await usedMemory(redis);

    let keyBytes = 0;
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${spec.storePrefix}:{${CODE}}:*` }))
      keys.push(...(batch as string[]));
    for (const key of keys)
      keyBytes += Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
    const globalUsed = (await store.ledger.usage(CODE, undefined, periods)).globalTotal;

    await send({
      type: 'result',
      result: {
        codes: spec.codes,
        used: spec.used,
        accepted,
        globalUsed,
        redeemMs,
        usedMemoryPerCode: (after - before) / spec.used,
        keyBytesPerCode: keyBytes / spec.used,
        keys: keys.length,
      },
    });
  } finally {
    await redis.quit();
  }
}

childMain(main);
