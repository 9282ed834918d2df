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

  it('refuses unknown codes from a REST client address past GUESS_LIMIT_PER_HOUR, exactly, with Retry-After', async () => {
    await start({ guessLimitPerHour: 2, workerConcurrency: 8 });
    await t.post('/coupons', { code: 'REAL', ...COUPON }).expect(201);
    const order = { couponCode: 'REAL', userId: 'alice', orderId: 'o1' };
    const accepted = (await t.post('/redemptions', order).expect(201)).body;
    // Other users each time, all at once: only the address can be over its limit.
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.post('/redemptions', { couponCode: unknownCode(), userId: `u${i}` }).expect(422),
      ),
    );
    const reasons = answers.map((answer) => answer.body.reason as string).sort();
    expect(reasons).toEqual([
      'COUPON_NOT_FOUND',
      'COUPON_NOT_FOUND',
      ...Array(4).fill('TOO_MANY_ATTEMPTS'),
    ]);
    const refused = answers.find((answer) => answer.body.reason === 'TOO_MANY_ATTEMPTS')!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
    // Nothing was published for them.
    expect(await t.producer.getJobCounts('completed')).toEqual({ completed: 3 });
    // Known coupons still go through: the customers of one order system share its address.
    await t.post('/redemptions', { couponCode: 'REAL', userId: 'bob' }).expect(201);
    expect((await t.post('/redemptions', order).expect(201)).body).toEqual(accepted);
  });

  it('counts guesses against the address when their answers come late (202)', async () => {
    await start({ guessLimitPerHour: 2, redemptionWaitMs: 100 });
    await t.producer.pause();
    for (let i = 0; i < 2; i++) {
      await t.post('/redemptions', { couponCode: unknownCode(), userId: `u${i}` }).expect(202);
    }
    const refused = await t.post('/redemptions', { couponCode: unknownCode(), userId: 'u9' });
    expect(refused.status).toBe(422);
    expect(refused.body.reason).toBe('TOO_MANY_ATTEMPTS');
    await t.producer.resume();
  });

  it("answers a retried REST order afresh when the outcome standing for it is another user's", async () => {
    await start();
    const order = { couponCode: 'LATE', orderId: 'o1' };
    await t.post('/redemptions', { ...order, userId: 'alice' }).expect(422); // COUPON_NOT_FOUND
    await t.post('/coupons', { code: 'LATE', ...COUPON }).expect(201);
    // Bob's order system publishes to the queue itself, under a job id of its own.
    const bob = await t.app.get(RedemptionService).redeem({ ...order, userId: 'bob' }, 'own@1');
    expect(bob.status).toBe('accepted');
    const retried = await t.post('/redemptions', { ...order, userId: 'alice' }).expect(422);
    expect(retried.body).toMatchObject({ reason: 'ORDER_CONFLICT', userId: 'alice' });
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

describe('a memory store at MEMORY_STORE_MAX_OUTCOMES', () => {
  let t: TestApp;
  afterEach(async () => t?.close());
  const order = { couponCode: 'ONCE', userId: 'alice', orderId: 'o1' };

  /** A store with room for two outcomes, an accepted order o1, and two refused orders after it. */
  async function filledWithRefusals(): Promise<RedemptionService> {
    t = await startApp({ store: 'memory', memoryStoreMaxOutcomes: 2 });
    await t.post('/users', user('alice')).expect(201);
    await t.post('/coupons', { code: 'ONCE', ...COUPON, repeatCounts: { userTotal: 1 } });
    const service = t.app.get(RedemptionService);
    expect((await service.redeem(order, 'job-o1@1')).status).toBe('accepted');
    for (const orderId of ['o2', 'o3']) {
      expect((await service.redeem({ ...order, orderId }, `job-${orderId}@1`)).reason).toBe(
        'USER_TOTAL_LIMIT_REACHED',
      );
    }
    return service;
  }

  it('evicts refusals before acceptances, so a crashed job run again replays its acceptance', async () => {
    const service = await filledWithRefusals();
    expect(await service.redeem(order, 'job-o1@1')).toMatchObject({ status: 'accepted' });
  });

  it('evicts refusals before acceptances, so a rollback still gives the use back', async () => {
    await filledWithRefusals();
    const response = await t.post('/redemptions/rollback', order).expect(200);
    expect(response.body).toMatchObject({ status: 'rolled-back' });
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
