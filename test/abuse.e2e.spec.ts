/**
 * Abuse resistance: what a hostile client can make the service keep, and the guess limit. Each
 * test states what a user of the service should see.
 */
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AppConfig } from '../src/config/app-config.js';
import { RedemptionService } from '../src/redemptions/redemption.service.js';
import { EmbeddedRedis } from '../src/redis/embedded-redis.js';
import { jobsFinished, startApp, type TestApp } from './helpers.js';

const COUPON = { discountPercentage: 10, expiresAt: '2027-06-30' };
const user = (id: string) => ({ id, name: id, email: `${id}@example.com` });
const unknownCode = () => `GUESS-${randomBytes(6).toString('hex').toUpperCase()}`;
const HOUR = 3600_000;

/** Redis keys of the app's store, but for its coupon index and users. */
async function storeKeys(t: TestApp): Promise<string[]> {
  const redis = new Redis(t.config.redisUrl!);
  try {
    return (await redis.keys(`${t.config.storePrefix}:*`))
      .filter((key) => !key.endsWith(':coupon-index') && !key.includes('{users}'))
      .sort();
  } finally {
    redis.disconnect();
  }
}

describe.each(['memory', 'redis'] as const)('abuse resistance (%s store)', (store) => {
  let t: TestApp;
  const start = async (overrides: Partial<AppConfig> = {}) => {
    t = await startApp({ store, ...overrides });
    await t.post('/users', user('alice')).expect(201);
    await t.post('/users', user('bob')).expect(201);
  };
  afterEach(async () => t?.close());

  it('keeps and logs nothing for an unknown coupon, and decides the order afresh once it exists', async () => {
    await start();
    const order = { couponCode: 'LATER', userId: 'alice', orderId: 'o1' };
    expect((await t.post('/redemptions', order).expect(422)).body).toMatchObject({
      reason: 'COUPON_NOT_FOUND',
    });
    if (store === 'redis') {
      // Only the guess counters of this user and this address, which are bounded in number.
      expect(await storeKeys(t)).toEqual([
        expect.stringMatching(/:guesses:address:\d+$/),
        expect.stringMatching(/:guesses:user:\d+$/),
      ]);
    }
    expect((await t.get('/coupons/LATER/redemptions').expect(200)).body.items).toEqual([]);

    await t.post('/coupons', { code: 'LATER', ...COUPON }).expect(201);
    expect((await t.post('/redemptions', order).expect(201)).body).toMatchObject({
      status: 'accepted',
    });
  });

  it("still answers a deleted coupon's accepted order with its first outcome", async () => {
    await start();
    await t.post('/coupons', { code: 'GONE', ...COUPON }).expect(201);
    const order = { couponCode: 'GONE', userId: 'alice', orderId: 'o1' };
    const accepted = (await t.post('/redemptions', order).expect(201)).body;
    await t.delete('/coupons/GONE').expect(204);
    // Published afresh under a job id of its own, it still meets the kept outcome.
    const replayed = await t.app.get(RedemptionService).redeem(order, 'another@1');
    expect(replayed).toEqual(accepted);
  });

  it('keeps a rejected order for REJECTION_TTL_HOURS, then decides it afresh', async () => {
    await start({ rejectionTtlHours: 2 });
    await t
      .post('/coupons', { code: 'DAILY', ...COUPON, repeatCounts: { userTotal: 1 } })
      .expect(201);
    await t.post('/redemptions', { couponCode: 'DAILY', userId: 'alice', orderId: 'o1' });
    const refused = { couponCode: 'DAILY', userId: 'alice', orderId: 'o2' };
    const first = (await t.post('/redemptions', refused).expect(422)).body;
    await t.put('/coupons/DAILY/repeat-counts', { userTotal: 2 }).expect(200);
    t.clock.set(new Date(t.clock.now() + 2 * HOUR - 1).toISOString());
    expect((await t.post('/redemptions', refused).expect(422)).body).toEqual(first);
    t.clock.set(new Date(t.clock.now() + 1).toISOString());
    expect((await t.post('/redemptions', refused).expect(201)).body).toMatchObject({
      status: 'accepted',
    });
  });

  it('refuses a user past GUESS_LIMIT_PER_HOUR unknown codes TOO_MANY_ATTEMPTS, for any new coupon, and counts it', async () => {
    await start({ guessLimitPerHour: 3 });
    await t.post('/coupons', { code: 'REAL', ...COUPON }).expect(201);
    const service = t.app.get(RedemptionService);
    const decided = await service.redeem({ couponCode: 'REAL', userId: 'alice', orderId: 'o1' });
    expect(decided.status).toBe('accepted');
    const reasons: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      reasons.push((await service.redeem({ couponCode: unknownCode(), userId: 'alice' })).reason);
    }
    expect(reasons).toEqual([
      'COUPON_NOT_FOUND',
      'COUPON_NOT_FOUND',
      'COUPON_NOT_FOUND',
      'TOO_MANY_ATTEMPTS',
    ]);
    await t.post('/coupons', { code: 'OTHER', ...COUPON }).expect(201);
    // Through the queue, as an order system publishes.
    const finished = jobsFinished(t.app, 2);
    await t.producer.add('redeem', { couponCode: 'OTHER', userId: 'alice', orderId: 'o2' });
    await t.producer.add('redeem', { couponCode: 'OTHER', userId: 'bob', orderId: 'o3' });
    await finished;
    const outcomes = (await t.producer.getJobs(['completed'])).map((job) => job.returnvalue);
    expect(outcomes.find((o) => o.userId === 'alice')).toMatchObject({
      status: 'rejected',
      reason: 'TOO_MANY_ATTEMPTS',
      remaining: { globalTotal: 0, userTotal: 0, userDaily: 0, userWeekly: 0 },
    });
    expect(outcomes.find((o) => o.userId === 'bob')).toMatchObject({ status: 'accepted' });
    // An order decided before still gets its first outcome.
    expect(await service.redeem({ couponCode: 'REAL', userId: 'alice', orderId: 'o1' })).toEqual(
      decided,
    );
    const metrics = (await t.get('/metrics').expect(200)).text;
    expect(metrics).toContain('redemptions_total{status="rejected",reason="TOO_MANY_ATTEMPTS"} 1');
  });

  it('refuses a REST client address past GUESS_LIMIT_PER_HOUR unknown codes, with Retry-After', async () => {
    await start({ guessLimitPerHour: 2 });
    await t.post('/coupons', { code: 'REAL', ...COUPON }).expect(201);
    const order = { couponCode: 'REAL', userId: 'alice', orderId: 'o1' };
    const accepted = (await t.post('/redemptions', order).expect(201)).body;
    // Other users each time: only the address is over its limit.
    for (const userId of ['u1', 'u2']) {
      const response = await t.post('/redemptions', { couponCode: unknownCode(), userId });
      expect(response.body).toMatchObject({ reason: 'COUPON_NOT_FOUND' });
    }
    const refused = await t.post('/redemptions', { couponCode: 'REAL', userId: 'bob' }).expect(422);
    expect(refused.body).toMatchObject({ status: 'rejected', reason: 'TOO_MANY_ATTEMPTS' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
    expect((await t.post('/redemptions', order).expect(201)).body).toEqual(accepted);
  });

  it('counts the evictions of a memory store at MEMORY_STORE_MAX_OUTCOMES in its metrics', async () => {
    await start({ memoryStoreMaxOutcomes: 2 });
    await t.post('/coupons', { code: 'MANY', ...COUPON }).expect(201);
    for (const orderId of ['o1', 'o2', 'o3']) {
      await t.post('/redemptions', { couponCode: 'MANY', userId: 'alice', orderId }).expect(201);
    }
    const metrics = (await t.get('/metrics').expect(200)).text;
    if (store === 'memory') {
      expect(metrics).toContain('store_outcomes_evicted_total 1');
      expect(metrics).toContain('store_outcomes_kept 2');
    } else {
      expect(metrics).not.toContain('store_outcomes_evicted_total');
    }
  });
});

describe('guess limit across processes (redis store)', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('counts guesses in Redis, so two processes share one limit', async () => {
    const first = await startApp({ store: 'redis', guessLimitPerHour: 2 });
    apps.push(first);
    const second = await startApp({
      store: 'redis',
      guessLimitPerHour: 2,
      storePrefix: first.config.storePrefix,
    });
    apps.push(second);
    await first.post('/users', user('alice')).expect(201);
    const guess = (t: TestApp) =>
      t.app.get(RedemptionService).redeem({ couponCode: unknownCode(), userId: 'alice' });
    expect((await guess(first)).reason).toBe('COUPON_NOT_FOUND');
    expect((await guess(second)).reason).toBe('COUPON_NOT_FOUND');
    expect((await guess(first)).reason).toBe('TOO_MANY_ATTEMPTS');
    expect((await guess(second)).reason).toBe('TOO_MANY_ATTEMPTS');
  });
});

describe('a guessing bot', () => {
  let redis: EmbeddedRedis | undefined;
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    await redis?.stop();
    t = undefined;
    redis = undefined;
  });

  /** Sends `count` redeem requests with distinct random unknown codes and users, `inFlight` at a time. */
  async function guess(service: RedemptionService, count: number, inFlight = 200): Promise<void> {
    for (let sent = 0; sent < count; sent += inFlight) {
      await Promise.all(
        Array.from({ length: Math.min(inFlight, count - sent) }, () =>
          service.redeem(
            { couponCode: unknownCode(), userId: `bot-${randomBytes(4).toString('hex')}` },
            `${randomBytes(4).toString('hex')}@1`,
          ),
        ),
      );
    }
  }

  // `npm run bench` (section g) sends 1,000,000 jobs to each store; these are bounded in time.
  it('leaves Redis memory growth under 10 MB (redis store, 50,000 requests and 2,000 jobs)', async () => {
    redis = await EmbeddedRedis.start();
    t = await startApp({ store: 'redis', redisUrl: redis.url });
    const client = new Redis(redis.url);
    const usedMemory = async () =>
      Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
    try {
      await guess(t.app.get(RedemptionService), 1000); // scripts loaded, counters touched
      const before = await usedMemory();
      await guess(t.app.get(RedemptionService), 50_000);
      const finished = jobsFinished(t.app, 2000);
      await t.producer.addBulk(
        Array.from({ length: 2000 }, (_, i) => ({
          name: 'redeem' as const,
          data: { couponCode: unknownCode(), userId: `bot-${i}` },
          opts: { removeOnComplete: true },
        })),
      );
      await finished;
      const grown = (await usedMemory()) - before;
      expect(grown).toBeLessThan(10 * 1024 * 1024);
      await t.get('/health/ready').expect(200);
    } finally {
      client.disconnect();
    }
  }, 60_000);

  it('leaves heap growth under 50 MB (memory store, 200,000 requests)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    t = await startApp({ store: 'memory' });
    const service = t.app.get(RedemptionService);
    await guess(service, 10_000);
    gc();
    const before = process.memoryUsage().heapUsed;
    await guess(service, 200_000, 1000);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown).toBeLessThan(50 * 1024 * 1024);
    await t.get('/health/ready').expect(200);
  }, 60_000);
});
