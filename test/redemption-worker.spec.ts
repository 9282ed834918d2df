import { RedemptionProcessor } from '../src/redemptions/redemption.processor.js';
import { RedemptionService } from '../src/redemptions/redemption.service.js';
import {
  JobName,
  REDEMPTION_QUEUE,
  redemptionJobId,
  type RedemptionOutcome,
} from '../src/redemptions/redemption.contract.js';
import { QueueEvents } from 'bullmq';
import { jobsFinished, REDIS_URL, startApp, type TestApp } from './helpers.js';

describe('redemption worker on a real queue', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startApp();
  });
  afterEach(async () => t.close());

  async function createCoupon(code: string, repeatCounts: object) {
    await t
      .post('/coupons', { code, discountPercentage: 20, expiresAt: '2027-06-30', repeatCounts })
      .expect(201);
  }

  async function registerUsers(count: number) {
    for (let i = 0; i < count; i++) {
      await t
        .post('/users', { id: `u${i}`, name: `User ${i}`, email: `u${i}@example.com` })
        .expect(201);
    }
  }

  it('accepts exactly the global limit out of 2,000 redemptions, one decision at a time', async () => {
    await createCoupon('FLASH100', { globalTotal: 100 });
    await registerUsers(400);
    const service = t.app.get(RedemptionService);
    const decide = service.redeem.bind(service);
    let inFlight = 0;
    let mostInFlight = 0;
    service.redeem = async (data) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        return await decide(data);
      } finally {
        inFlight--;
      }
    };

    const finished = jobsFinished(t.app, 2000);
    await t.producer.addBulk(
      Array.from({ length: 2000 }, (_, i) => ({
        name: JobName.Redeem,
        data: { couponCode: 'flash100', userId: `u${i % 400}`, orderId: `order-${i}` },
        opts: { jobId: redemptionJobId('flash100', `order-${i}`) },
      })),
    );
    await finished;

    const jobs = await t.producer.getJobs(['completed'], 0, -1);
    const outcomes = jobs.map((job) => job.returnvalue);
    expect(outcomes).toHaveLength(2000);
    expect(outcomes.filter((o) => o.status === 'accepted')).toHaveLength(100);
    expect(outcomes.filter((o) => o.reason === 'GLOBAL_LIMIT_REACHED')).toHaveLength(1900);
    expect(await t.producer.getFailedCount()).toBe(0);
    expect(mostInFlight).toBe(1);
    const counts = await t.get('/coupons/FLASH100/repeat-counts').expect(200);
    expect(counts.body).toMatchObject({ globalUsed: 100, globalRemaining: 0 });
  }, 30_000);

  it('fails a bad payload at once without retries, naming each bad field, and carries on', async () => {
    await createCoupon('SAVE10', {});
    await registerUsers(1);
    const finished = jobsFinished(t.app, 3);
    const bad = await t.producer.add(
      JobName.Redeem,
      { couponCode: 42, userId: '', extra: true } as never,
      {
        attempts: 5,
      },
    );
    const tooLong = await t.producer.add(
      JobName.Redeem,
      { couponCode: 'SAVE10', userId: 'x'.repeat(129) },
      { attempts: 5 },
    );
    const good = await t.producer.add(JobName.Redeem, {
      couponCode: 'SAVE10',
      userId: 'u0',
      orderId: 'o1',
    });
    await finished;

    const failed = (await t.producer.getJob(bad.id!))!;
    expect(await failed.getState()).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/^Invalid redeem job data: /);
    expect(failed.failedReason).toContain('property extra should not exist');
    expect(failed.failedReason).toContain('couponCode must be a string of 1-128 characters');
    expect(failed.failedReason).toContain('userId must be a string of 1-128 characters');
    expect((await t.producer.getJob(tooLong.id!))!.failedReason).toContain(
      'userId must be a string of 1-128 characters',
    );
    expect((await t.producer.getJob(good.id!))!.returnvalue).toMatchObject({
      status: 'accepted',
      orderId: 'o1',
    });
  });

  it('fails deeply nested job data at once instead of overflowing the stack', async () => {
    const finished = jobsFinished(t.app, 1);
    let nested: unknown = {};
    for (let i = 0; i < 3000; i++) nested = { nested };
    const job = await t.producer.add(
      JobName.Redeem,
      { couponCode: 'SAVE10', userId: 'u0', nested } as never,
      {
        attempts: 5,
      },
    );
    await finished;
    const failed = (await t.producer.getJob(job.id!))!;
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toBe(
      'Invalid redeem job data: input must not nest more than 8 levels deep',
    );
  });

  it('fails a job with an unknown name without retries', async () => {
    const finished = jobsFinished(t.app, 1);
    const job = await t.producer.add(
      'refund' as never,
      { couponCode: 'SAVE10', userId: 'u0' },
      { attempts: 5 },
    );
    await finished;
    const failed = (await t.producer.getJob(job.id!))!;
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toBe('Unknown job name "refund" on coupon-redemptions');
  });

  it('returns the first outcome for an order already decided and counts nothing again', async () => {
    await createCoupon('ONCE', { userTotal: 5 });
    await registerUsers(1);
    const finished = jobsFinished(t.app, 2);
    // Two publications of one order under different job ids, the second in another letter case.
    const first = await t.producer.add(JobName.Redeem, {
      couponCode: 'ONCE',
      userId: 'u0',
      orderId: 'A-1',
    });
    const second = await t.producer.add(JobName.Redeem, {
      couponCode: 'once',
      userId: 'u0',
      orderId: 'A-1',
    });
    await finished;
    const firstOutcome = (await t.producer.getJob(first.id!))!.returnvalue;
    expect(firstOutcome.status).toBe('accepted');
    expect((await t.producer.getJob(second.id!))!.returnvalue).toEqual(firstOutcome);

    // BullMQ re-delivering a stalled job runs the processor on the same job again.
    const redelivered = await t.app
      .get(RedemptionProcessor)
      .process((await t.producer.getJob(first.id!))!);
    expect(redelivered).toEqual(firstOutcome);
    const usage = await t.get('/coupons/ONCE/usage/u0').expect(200);
    expect(usage.body.userTotal).toEqual({ used: 1, held: 0, limit: 5, remaining: 4 });

    // The first outcome stands even when the coupon has since been switched off or deleted.
    const service = t.app.get(RedemptionService);
    await t.patch('/coupons/ONCE', { active: false }).expect(200);
    expect(await service.redeem({ couponCode: 'ONCE', userId: 'u0', orderId: 'A-1' })).toEqual(
      firstOutcome,
    );
    await t.delete('/coupons/ONCE').expect(204);
    expect(await service.redeem({ couponCode: 'ONCE', userId: 'u0', orderId: 'A-1' })).toEqual(
      firstOutcome,
    );
  });

  it.each(['memory', 'redis'] as const)(
    'counts a job without an orderId once when BullMQ runs it again after a crash (%s store)',
    async (store) => {
      await t.close();
      t = await startApp({ store });
      await createCoupon('NOORDER', {});
      await registerUsers(1);
      const finished = jobsFinished(t.app, 1);
      const job = await t.producer.add(JobName.Redeem, { couponCode: 'NOORDER', userId: 'u0' });
      await finished;
      const first = (await t.producer.getJob(job.id!))!.returnvalue;
      // A worker that died after committing but before completing: the job runs again.
      const again = await t.app
        .get(RedemptionProcessor)
        .process((await t.producer.getJob(job.id!))!);
      expect(again).toEqual(first);
      expect((await t.get('/coupons/NOORDER/usage/u0').expect(200)).body.userTotal.used).toBe(1);
    },
  );

  it('completes a rule rejection as data, not as a failed job', async () => {
    await registerUsers(1);
    const finished = jobsFinished(t.app, 1);
    const job = await t.producer.add(JobName.Redeem, { couponCode: 'NOSUCH', userId: 'u0' });
    await finished;
    const done = (await t.producer.getJob(job.id!))!;
    expect(await done.getState()).toBe('completed');
    const outcome: RedemptionOutcome = done.returnvalue;
    expect(outcome).toEqual({
      status: 'rejected',
      reason: 'COUPON_NOT_FOUND',
      couponCode: 'NOSUCH',
      userId: 'u0',
      remaining: { globalTotal: 0, userTotal: 0, userWeekly: 0, userDaily: 0 },
      processedAt: '2026-11-25T12:00:00.000Z',
    });
  });

  it('serves a producer as the README shows it: deterministic job id, waitUntilFinished', async () => {
    await createCoupon('SAVE10', { userTotal: 3 });
    await registerUsers(1);
    const events = new QueueEvents(REDEMPTION_QUEUE, {
      connection: { url: REDIS_URL },
      prefix: t.config.queuePrefix,
    });
    try {
      await events.waitUntilReady();
      const data = { couponCode: 'save10', userId: 'u0', orderId: 'order:1001.a' };
      const options = { jobId: redemptionJobId(data.couponCode, data.orderId), attempts: 3 };
      expect(options.jobId).toBe('redeem.SAVE10.order%3A1001%2Ea');
      const job = await t.producer.add(JobName.Redeem, data, options);
      const outcome = await job.waitUntilFinished(events, 10_000);
      expect(outcome).toMatchObject({
        status: 'accepted',
        couponCode: 'SAVE10',
        orderId: 'order:1001.a',
      });
      // Publishing the same order again while its job exists adds nothing.
      const again = await t.producer.add(JobName.Redeem, data, options);
      expect(again.id).toBe(job.id);
      expect(await t.producer.getCompletedCount()).toBe(1);
      expect((await t.get('/coupons/SAVE10/usage/u0').expect(200)).body.userTotal.used).toBe(1);
    } finally {
      await events.close();
    }
  });
});
