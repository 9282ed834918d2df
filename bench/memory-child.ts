/**
 * (f) memory per (coupon, user) usage record and the daily reset, on a store built directly (run
 * with --expose-gc): `records` distinct users each redeem one coupon once, keeping no outcome.
 * Memory store: V8 heap delta around the population, gc before each reading. Redis store: INFO
 * memory used_memory delta (the server is shared, so MEMORY USAGE of the coupon's keys is given
 * too). Then the clock moves to the next day and resetWindows('daily', nextDay, false) is timed.
 */
import { Redis } from 'ioredis';
import { UNLIMITED } from '../src/domain/coupon.js';
import { periodsAt } from '../src/domain/periods.js';
import { RedisKeys } from '../src/store/redis/keys.redis.js';
import { memoryStores, redisStores } from '../src/store/store.factory.js';
import { DEFAULT_STORE_OPTIONS } from '../src/store/store.options.js';
import { childMain, coupon, REDIS_URL, send, userId } from './common.js';

interface MemorySpec {
  store: 'memory' | 'redis';
  storePrefix: string;
  records: number;
  inFlight: number;
}

const spec = JSON.parse(process.argv[2]) as MemorySpec;
const CODE = 'BENCH-MEMORY';
const NOW = Date.parse('2026-11-25T12:00:00Z');
const NEXT_DAY = periodsAt(NOW + 24 * 3600_000, 'UTC').day;
const gc = () => {
  for (let i = 0; i < 3; i++) globalThis.gc!();
};

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

async function main(): Promise<void> {
  if (!globalThis.gc) throw new Error('run with node --expose-gc');
  // Usage records only: no outcome is kept (no key) and the redemption log is off.
  const options = { ...DEFAULT_STORE_OPTIONS, logTtlMs: 0 };
  const redis = spec.store === 'redis' ? new Redis(REDIS_URL) : undefined;
  const store = redis
    ? redisStores(redis, { prefix: spec.storePrefix, ...options })
    : memoryStores(options);
  try {
    await store.coupons.create(coupon(CODE, UNLIMITED, NOW));
    const stored = (await store.coupons.get(CODE))!;
    const periods = periodsAt(NOW, 'UTC');
    const redeem = (i: number) =>
      store.ledger.redeem({
        request: { couponCode: CODE, userId: userId(i) },
        publication: '',
        outcomeKey: undefined,
        coupon: stored,
        periods,
        now: NOW,
      });

    gc();
    const before = redis ? await usedMemory(redis) : process.memoryUsage().heapUsed;
    const started = performance.now();
    let next = 0;
    let accepted = 0;
    const lane = async () => {
      while (next < spec.records) {
        const outcome = await redeem(next++);
        if (outcome !== 'stale-coupon' && outcome.status === 'accepted') accepted++;
      }
    };
    await Promise.all(Array.from({ length: redis ? spec.inFlight : 1 }, lane));
    const populateMs = performance.now() - started;
    gc();
    const after = redis ? await usedMemory(redis) : process.memoryUsage().heapUsed;

    let keyBytes: number | undefined;
    if (redis) {
      const keys = new RedisKeys(spec.storePrefix);
      const names = [
        keys.userTotals(CODE),
        keys.window(CODE, 'day', periods.day),
        keys.window(CODE, 'week', periods.week),
      ];
      const sizes = await Promise.all(
        names.map((key) => redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')),
      );
      keyBytes = sizes.reduce<number>((sum, size) => sum + Number(size ?? 0), 0);
    }

    const resetStarted = performance.now();
    const { freed } = await store.ledger.resetWindows('daily', NEXT_DAY, false);
    const resetMs = performance.now() - resetStarted;
    const globalUsed = (await store.ledger.usage(CODE, undefined, periods)).globalTotal;

    await send({
      type: 'result',
      result: {
        records: spec.records,
        accepted,
        globalUsed,
        populateMs,
        bytes: after - before,
        bytesPerRecord: (after - before) / spec.records,
        keyBytesPerRecord: keyBytes === undefined ? undefined : keyBytes / spec.records,
        resetMs,
        freed,
      },
    });
  } finally {
    await redis?.quit();
  }
}

childMain(main);
