import { Queue, UnrecoverableError, Worker } from 'bullmq';
import {
  CouponClient,
  CouponClientTimeoutError,
  CouponJobFailedError,
  JobName,
  REDEMPTION_QUEUE,
  redemptionJobId,
  type RedemptionOutcome,
  type ReleaseOutcome,
  type ReservationOutcome,
  type RollbackOutcome,
} from '@coupon-code-service/client';
import type { AppConfig } from '../src/config/app-config.js';
import { EmbeddedRedis, freePort } from '../src/redis/embedded-redis.js';
import {
  deleteKeys,
  jobsFinished,
  REDIS_URL,
  startApp,
  uniquePrefix,
  type TestApp,
} from './helpers.js';

const clientFor = (t: TestApp, timeoutMs = 5000) =>
  new CouponClient({
    connection: { url: t.config.redisUrl },
    prefix: t.config.queuePrefix,
    timeoutMs,
  });

async function startWithCoupons(overrides: Partial<AppConfig> = {}) {
  const t = await startApp(overrides);
  for (const id of ['u1', 'u2']) {
    await t.post('/users', { id, name: id, email: `${id}@example.com` }).expect(201);
  }
  return t;
}

let couponCount = 0;
/** A fresh coupon for each test, so counts never carry over. */
async function newCoupon(t: TestApp, repeatCounts: object = {}): Promise<string> {
  const code = `CLIENT-${++couponCount}`;
  await t
    .post('/coupons', { code, discountPercentage: 15, expiresAt: '2026-12-31', repeatCounts })
    .expect(201);
  return code;
}

async function globalUsed(t: TestApp, code: string): Promise<number> {
  const response = await t.get(`/coupons/${code}/repeat-counts`).expect(200);
  return (response.body as { globalUsed: number }).globalUsed;
}

async function jobCount(t: TestApp): Promise<number> {
  const counts = await t.producer.getJobCounts();
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

describe('CouponClient against the service (memory store)', () => {
  let t: TestApp;
  let client: CouponClient;
  beforeAll(async () => {
    t = await startWithCoupons();
    client = clientFor(t);
  });
  afterAll(async () => {
    await client.close();
    await t.close();
  });

  it('redeems and rolls back a unique code, the outcome naming its coupon', async () => {
    const coupon = await newCoupon(t, { userTotal: 1 });
    const batch = await t.post(`/coupons/${coupon}/code-batches`, { count: 2 }).expect(201);
    const page = await t
      .get(`/coupons/${coupon}/code-batches/${batch.body.batch}/codes?offset=0&limit=2`)
      .expect(200);
    const [code, other] = page.body.items as string[];
    const order = { couponCode: code!.toLowerCase(), userId: 'u2', orderId: 'unique-1' };
    const outcome: RedemptionOutcome = await client.redeem(order);
    expect(outcome).toMatchObject({ status: 'accepted', couponCode: code, coupon });
    const refused = await client.redeem({ couponCode: other!, userId: 'u2', orderId: 'unique-2' });
    expect(refused).toMatchObject({
      reason: 'USER_TOTAL_LIMIT_REACHED',
      couponCode: other,
      coupon,
    });
    expect((await client.rollback(order)).status).toBe('rolled-back');
    expect(await globalUsed(t, coupon)).toBe(0);
  });

  it('resolves with the typed outcome of an accepted redemption', async () => {
    const code = await newCoupon(t, { userDaily: 3 });
    const outcome: RedemptionOutcome = await client.redeem({
      couponCode: code.toLowerCase(),
      userId: 'u1',
      orderId: 'order-1',
    });
    expect(outcome).toMatchObject({
      status: 'accepted',
      couponCode: code,
      userId: 'u1',
      orderId: 'order-1',
      discountPercentage: 15,
      remaining: { globalTotal: null, userTotal: null, userWeekly: null, userDaily: 2 },
    });
    expect(outcome.reason).toBeUndefined();
    expect(await globalUsed(t, code)).toBe(1);
  });

  it('resolves with a rejection and its reason', async () => {
    const code = await newCoupon(t, { userDaily: 1 });
    await expect(
      client.redeem({ couponCode: code, userId: 'u1', orderId: 'o-1' }),
    ).resolves.toMatchObject({ status: 'accepted' });
    const rejected = await client.redeem({ couponCode: code, userId: 'u1', orderId: 'o-2' });
    expect(rejected).toMatchObject({
      status: 'rejected',
      reason: 'USER_DAILY_LIMIT_REACHED',
      remaining: { userDaily: 0 },
    });
    const unknown = await client.redeem({ couponCode: 'NO-SUCH', userId: 'u1', orderId: 'o-3' });
    expect(unknown).toMatchObject({ status: 'rejected', reason: 'COUPON_NOT_FOUND' });
    expect(await globalUsed(t, code)).toBe(1);
  });

  it('counts one use when an order is published again, and answers with the same outcome', async () => {
    const code = await newCoupon(t);
    const request = { couponCode: code, userId: 'u2', orderId: 'retried' };
    const first = await client.redeem(request);
    const again = await client.redeem(request);
    expect(first.status).toBe('accepted');
    expect(again).toEqual(first); // the completed job's value, processedAt included
    expect(await globalUsed(t, code)).toBe(1);
  });

  it("refuses another user's order as ORDER_CONFLICT, leaving the first outcome alone", async () => {
    const code = await newCoupon(t);
    const alice = await client.redeem({ couponCode: code, userId: 'u1', orderId: 'shared' });
    expect(alice.status).toBe('accepted');
    expect(
      await client.redeem({ couponCode: code, userId: 'u2', orderId: 'shared' }),
    ).toMatchObject({
      status: 'rejected',
      reason: 'ORDER_CONFLICT',
      userId: 'u2',
      orderId: 'shared',
    });
    expect(await client.redeem({ couponCode: code, userId: 'u1', orderId: 'shared' })).toEqual(
      alice,
    );
    expect(await globalUsed(t, code)).toBe(1);
  });

  it('counts one use for two concurrent calls for one order', async () => {
    const code = await newCoupon(t);
    const request = { couponCode: code, userId: 'u1', orderId: 'concurrent' };
    const [a, b] = await Promise.all([client.redeem(request), client.redeem(request)]);
    expect(a.status).toBe('accepted');
    expect(b).toEqual(a);
    expect(await globalUsed(t, code)).toBe(1);
  });

  it('replaces a job of the order that failed before', async () => {
    const code = await newCoupon(t);
    const jobId = redemptionJobId(code, 'once-failed');
    const failed = jobsFinished(t.app, 1);
    await t.producer.add(
      JobName.Redeem,
      { couponCode: code, userId: '', orderId: 'once-failed' },
      {
        jobId,
      },
    );
    await failed;
    expect(await t.producer.getJobState(jobId)).toBe('failed');
    const outcome = await client.redeem({ couponCode: code, userId: 'u1', orderId: 'once-failed' });
    expect(outcome).toMatchObject({ status: 'accepted', orderId: 'once-failed' });
    expect(await t.producer.getJobState(jobId)).toBe('completed');
    expect(await globalUsed(t, code)).toBe(1);
  });

  it.each([
    ['pr\u0131ce', 'PRICE'], // dotless i
    ['stra\u00DFe', 'STRASSE'], // sharp s
    ['\u017Ftrasse', 'STRASSE'], // long s
  ])('keeps an order of %s apart from the coupon %s, which it is not', async (lookalike, ascii) => {
    const code = `${ascii}-${++couponCount}`;
    await t.post('/coupons', { code, discountPercentage: 15, expiresAt: '2026-12-31' }).expect(201);
    const orderId = `lookalike-${couponCount}`;
    const other = await client.redeem({
      couponCode: `${lookalike}-${couponCount}`,
      userId: 'u1',
      orderId,
    });
    expect(other).toMatchObject({ status: 'rejected', reason: 'COUPON_NOT_FOUND' });
    const outcome = await client.redeem({ couponCode: code, userId: 'u1', orderId });
    expect(outcome).toMatchObject({ status: 'accepted', couponCode: code, orderId });
    expect(await globalUsed(t, code)).toBe(1);
  });

  it('throws a TypeError naming the bad fields and publishes nothing', async () => {
    const before = await jobCount(t);
    const bad: unknown[] = [
      { couponCode: 'SAVE10', userId: 'u1' },
      { couponCode: 'SAVE10', userId: '', orderId: 'o' },
      { couponCode: 'x'.repeat(129), userId: 'u1', orderId: 'o' },
      { couponCode: 42, userId: 'u1', orderId: 'o' },
      null,
    ];
    const messages: string[] = [];
    for (const request of bad) {
      const error = await client
        .redeem(request as Parameters<CouponClient['redeem']>[0])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      messages.push((error as Error).message);
    }
    expect(messages[0]).toMatch(/orderId must be/);
    expect(messages[0]).not.toMatch(/couponCode|userId/);
    expect(messages[1]).toMatch(/^Invalid redeem request: userId must be/);
    expect(messages[2]).toMatch(/couponCode must be a string of 1-128 characters/);
    expect(messages[3]).toMatch(/couponCode/);
    expect(messages[4]).toMatch(/couponCode.*userId.*orderId/);
    await expect(
      client.rollback({ couponCode: 'SAVE10', userId: 'u1' } as Parameters<
        CouponClient['rollback']
      >[0]),
    ).rejects.toThrow(/Invalid rollback request: orderId must be/);
    // 128 emoji are 256 UTF-16 units but 128 characters, as the worker counts them.
    await expect(
      client.redeem({ couponCode: 'NO-SUCH', userId: '\u{1F600}'.repeat(128), orderId: 'emoji' }),
    ).resolves.toMatchObject({ status: 'rejected', reason: 'COUPON_NOT_FOUND' });
    expect(await jobCount(t)).toBe(before + 1);
  });

  describe('rollback', () => {
    it('rolls back an accepted redemption once, then answers already-rolled-back', async () => {
      const code = await newCoupon(t, { globalTotal: 10, userDaily: 5 });
      const order = { couponCode: code, userId: 'u1', orderId: 'cancelled' };
      await expect(client.redeem(order)).resolves.toMatchObject({ status: 'accepted' });
      expect(await globalUsed(t, code)).toBe(1);

      const rolledBack: RollbackOutcome = await client.rollback(order);
      expect(rolledBack).toMatchObject({
        status: 'rolled-back',
        couponCode: code,
        userId: 'u1',
        orderId: 'cancelled',
        restored: { globalTotal: true, userTotal: true, userWeekly: true, userDaily: true },
      });
      expect(await globalUsed(t, code)).toBe(0);
      const usage = await t.get(`/coupons/${code}/usage/u1`).expect(200);
      expect(usage.body).toMatchObject({ userDaily: { used: 0 } });

      const again = await client.rollback(order);
      expect(again).toMatchObject({ status: 'already-rolled-back', orderId: 'cancelled' });
      expect(again.restored).toBeUndefined();
      expect(await globalUsed(t, code)).toBe(0);
    }, 15_000);

    it('rejects the rollback of an order that was never redeemed', async () => {
      const code = await newCoupon(t);
      const outcome = await client.rollback({ couponCode: code, userId: 'u1', orderId: 'never' });
      expect(outcome).toMatchObject({ status: 'rejected', reason: 'REDEMPTION_NOT_FOUND' });
      expect(await globalUsed(t, code)).toBe(0);
    }, 15_000);

    it('decides a redeem of the order afresh after its rollback', async () => {
      const code = await newCoupon(t, { userTotal: 1 });
      const order = { couponCode: code, userId: 'u2', orderId: 'again' };
      const first = await client.redeem(order);
      expect(first.status).toBe('accepted');
      await expect(client.rollback(order)).resolves.toMatchObject({ status: 'rolled-back' });
      expect(await globalUsed(t, code)).toBe(0);

      const second = await client.redeem(order);
      expect(second).toMatchObject({ status: 'accepted', remaining: { userTotal: 0 } });
      expect(second.processedAt >= first.processedAt).toBe(true);
      expect(await globalUsed(t, code)).toBe(1);
    }, 15_000);
  });

  describe('reserve and release', () => {
    it('reserves, answers a second reserve with the same hold, and redeem confirms it', async () => {
      const code = await newCoupon(t, { globalTotal: 1 });
      const order = { couponCode: code.toLowerCase(), userId: 'u1', orderId: 'checkout' };
      const held: ReservationOutcome = await client.reserve({ ...order, ttlSeconds: 600 });
      expect(held).toMatchObject({
        status: 'reserved',
        couponCode: code,
        userId: 'u1',
        orderId: 'checkout',
        expiresAt: new Date(t.clock.now() + 600_000).toISOString(),
        remaining: { globalTotal: 0 },
      });
      const again = await client.reserve(order);
      expect(again.expiresAt).toBe(held.expiresAt);
      const full = await client.reserve({ couponCode: code, userId: 'u2', orderId: 'other' });
      expect(full).toMatchObject({ status: 'rejected', reason: 'GLOBAL_LIMIT_REACHED' });
      expect(full.expiresAt).toBeUndefined();

      const paid = await client.redeem(order);
      expect(paid).toMatchObject({ status: 'accepted', hold: 'confirmed', orderId: 'checkout' });
      expect(await globalUsed(t, code)).toBe(1);
      expect(await client.redeem(order)).toEqual(paid);
      await expect(client.release(order)).resolves.toMatchObject({
        status: 'rejected',
        reason: 'RESERVATION_NOT_FOUND',
      });
    }, 15_000);

    it('releases a hold once, freeing its use, and reserves the order afresh after', async () => {
      const code = await newCoupon(t, { globalTotal: 1 });
      const order = { couponCode: code, userId: 'u2', orderId: 'abandoned' };
      const first = await client.reserve(order);
      expect(first.status).toBe('reserved');
      const released: ReleaseOutcome = await client.release(order);
      expect(released).toEqual({
        status: 'released',
        couponCode: code,
        userId: 'u2',
        orderId: 'abandoned',
        processedAt: expect.any(String),
      });
      await expect(client.release(order)).resolves.toMatchObject({
        status: 'rejected',
        reason: 'RESERVATION_NOT_FOUND',
        userId: 'u2',
      });
      // The freed use goes to another order; the released one is decided afresh, never answered
      // with its first job (each reserve is a job of its own).
      await expect(
        client.reserve({ couponCode: code, userId: 'u1', orderId: 'next' }),
      ).resolves.toMatchObject({ status: 'reserved' });
      await expect(client.reserve(order)).resolves.toMatchObject({
        status: 'rejected',
        reason: 'GLOBAL_LIMIT_REACHED',
      });
    }, 15_000);

    it('throws a TypeError for bad requests and publishes nothing', async () => {
      const before = await jobCount(t);
      const order = { couponCode: 'SAVE10', userId: 'u1', orderId: 'o' };
      for (const ttlSeconds of [0, 86_401, 1.5, '60', null]) {
        await expect(
          client.reserve({ ...order, ttlSeconds } as Parameters<CouponClient['reserve']>[0]),
        ).rejects.toThrow(
          /^Invalid reserve request: ttlSeconds must be a whole number of seconds from 1 to 86400$/,
        );
      }
      await expect(
        client.reserve({ couponCode: 'SAVE10', userId: 'u1' } as Parameters<
          CouponClient['reserve']
        >[0]),
      ).rejects.toThrow(/^Invalid reserve request: orderId must be/);
      await expect(
        client.release({ couponCode: 'SAVE10', orderId: 'o' } as Parameters<
          CouponClient['release']
        >[0]),
      ).rejects.toThrow(/^Invalid release request: userId must be/);
      expect(await jobCount(t)).toBe(before);
    });

    it('publishes only the contract fields, ttlSeconds only when given', async () => {
      const code = await newCoupon(t);
      const finished = jobsFinished(t.app, 2);
      const extra = { couponCode: code, userId: 'u1', orderId: 'fields', note: 'x' };
      await client.reserve(extra as Parameters<CouponClient['reserve']>[0]);
      await client.release({ ...extra, ttlSeconds: 5 } as Parameters<CouponClient['release']>[0]);
      await finished;
      const jobs = await t.producer.getJobs(['completed']);
      const data = jobs
        .filter((job) => (job.data as { orderId?: string }).orderId === 'fields')
        .map((job) => [job.name, job.data]);
      expect(data).toEqual(
        expect.arrayContaining([
          [JobName.Reserve, { couponCode: code, userId: 'u1', orderId: 'fields' }],
          [JobName.Release, { couponCode: code, userId: 'u1', orderId: 'fields' }],
        ]),
      );
      expect(data).toHaveLength(2);
    });
  });
});

describe('CouponClient waiting limits', () => {
  const prefix = uniquePrefix();
  afterAll(async () => deleteKeys(prefix));

  it('rejects with CouponClientTimeoutError when no worker answers in time', async () => {
    const client = new CouponClient({ connection: { url: REDIS_URL }, prefix, timeoutMs: 200 });
    const started = Date.now();
    try {
      const error = await client
        .redeem({ couponCode: 'SAVE10', userId: 'u1', orderId: 'slow' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CouponClientTimeoutError);
      expect((error as CouponClientTimeoutError).jobId).toBe(redemptionJobId('SAVE10', 'slow'));
      expect((error as CouponClientTimeoutError).timeoutMs).toBe(200);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await client.close();
    }
  }, 10_000);

  it('times out instead of hanging while Redis cannot be reached', async () => {
    const port = await freePort();
    const client = new CouponClient({
      connection: { url: `redis://127.0.0.1:${port}`, retryStrategy: () => 100 },
      timeoutMs: 300,
    });
    const started = Date.now();
    // BullMQ's QueueEvents.close() waits for a connection it never had, so Redis comes up at the end.
    let redis: EmbeddedRedis | undefined;
    try {
      await expect(
        client.redeem({ couponCode: 'SAVE10', userId: 'u1', orderId: 'offline' }),
      ).rejects.toBeInstanceOf(CouponClientTimeoutError);
      expect(Date.now() - started).toBeLessThan(3000);
      redis = await EmbeddedRedis.start({ port });
    } finally {
      await client.close();
      await redis?.stop();
    }
  }, 15_000);

  it('rejects with CouponJobFailedError when the job fails for good', async () => {
    const worker = new Worker(
      REDEMPTION_QUEUE,
      async () => {
        throw new UnrecoverableError('refused by this worker');
      },
      { connection: { url: REDIS_URL }, prefix },
    );
    const client = new CouponClient({ connection: { url: REDIS_URL }, prefix, timeoutMs: 5000 });
    try {
      const error = await client
        .redeem({ couponCode: 'SAVE10', userId: 'u1', orderId: 'doomed' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CouponJobFailedError);
      expect((error as CouponJobFailedError).jobId).toBe(redemptionJobId('SAVE10', 'doomed'));
      expect((error as CouponJobFailedError).failedReason).toBe('refused by this worker');
    } finally {
      await client.close();
      await worker.close();
    }
  }, 10_000);

  it('close() rejects the calls still waiting instead of leaving them hanging', async () => {
    const client = new CouponClient({ connection: { url: REDIS_URL }, prefix, timeoutMs: 60_000 });
    const waiting = client.redeem({ couponCode: 'SAVE10', userId: 'u1', orderId: 'abandoned' });
    const outcome = waiting.catch((e: unknown) => e);
    // Let the publish reach Redis before closing.
    const probe = new Queue(REDEMPTION_QUEUE, { connection: { url: REDIS_URL }, prefix });
    const jobId = redemptionJobId('SAVE10', 'abandoned');
    for (let i = 0; i < 100 && (await probe.getJobState(jobId)) === 'unknown'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await probe.close();
    await client.close();
    const error = await outcome;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/closed/);
    await expect(
      client.redeem({ couponCode: 'SAVE10', userId: 'u1', orderId: 'late' }),
    ).rejects.toThrow(/closed/);
  }, 10_000);
});

describe('CouponClient against the service (redis store)', () => {
  let t: TestApp;
  let client: CouponClient;
  beforeAll(async () => {
    t = await startWithCoupons({ store: 'redis', workerConcurrency: 4 });
    client = clientFor(t);
  });
  afterAll(async () => {
    await client.close();
    await t.close();
  });

  it('counts each order once under concurrent publishing', async () => {
    const code = await newCoupon(t, { globalTotal: 5 });
    const orders = Array.from({ length: 8 }, (_, i) => ({
      couponCode: code,
      userId: i % 2 ? 'u1' : 'u2',
      orderId: `order-${i}`,
    }));
    // Every order twice at once, as a producer retrying a publish would.
    const outcomes = await Promise.all([...orders, ...orders].map((order) => client.redeem(order)));
    const byOrder = new Map<string, RedemptionOutcome>();
    for (const outcome of outcomes) {
      const earlier = byOrder.get(outcome.orderId!);
      if (earlier) expect(outcome).toEqual(earlier);
      byOrder.set(outcome.orderId!, outcome);
    }
    const statuses = [...byOrder.values()].map((outcome) => outcome.reason ?? outcome.status);
    expect(statuses.filter((s) => s === 'accepted')).toHaveLength(5);
    expect(statuses.filter((s) => s === 'GLOBAL_LIMIT_REACHED')).toHaveLength(3);
    expect(await globalUsed(t, code)).toBe(5);
  }, 15_000);

  it('rolls back through the redis store', async () => {
    const code = await newCoupon(t);
    const order = { couponCode: code, userId: 'u1', orderId: 'redis-cancelled' };
    await expect(client.redeem(order)).resolves.toMatchObject({ status: 'accepted' });
    await expect(client.rollback(order)).resolves.toMatchObject({ status: 'rolled-back' });
    expect(await globalUsed(t, code)).toBe(0);
  }, 15_000);

  it('reserves, confirms and releases through the redis store', async () => {
    const code = await newCoupon(t, { globalTotal: 2 });
    const paid = { couponCode: code, userId: 'u1', orderId: 'redis-paid' };
    const dropped = { couponCode: code, userId: 'u2', orderId: 'redis-dropped' };
    await expect(client.reserve(paid)).resolves.toMatchObject({ status: 'reserved' });
    await expect(client.reserve(dropped)).resolves.toMatchObject({ status: 'reserved' });
    await expect(client.redeem(paid)).resolves.toMatchObject({ hold: 'confirmed' });
    await expect(client.release(dropped)).resolves.toMatchObject({ status: 'released' });
    expect(await globalUsed(t, code)).toBe(1);
  }, 15_000);
});
