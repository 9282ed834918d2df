/**
 * Regression tests for faults in the ledger (data loss, orderless jobs, crashed workers, order
 * conflicts). They state the behaviour a user should see; some fail until the store is fixed.
 */
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  JobName,
  REDEMPTION_QUEUE,
  redemptionJobId,
  rollbackJobId,
  type RedemptionOutcome,
  type RollbackOutcome,
} from '../src/redemptions/redemption.contract.js';
import { RedemptionProcessor } from '../src/redemptions/redemption.processor.js';
import { EmbeddedRedis } from '../src/redis/embedded-redis.js';
import { STORE_REDIS } from '../src/store/store.module.js';
import { jobsFinished, startApp, type TestApp } from './helpers.js';

const COUPON = {
  discountPercentage: 10,
  expiresAt: '2027-06-30',
};

const user = (id: string) => ({ id, name: id, email: `${id}@example.com` });

/** Polls a job's state (every 50 ms, at most `ms`) until it is one of `states`. */
async function jobReaches(
  queue: Queue,
  jobId: string,
  states: string[],
  ms = 10_000,
): Promise<Job> {
  const deadline = Date.now() + ms;
  for (;;) {
    const state = await queue.getJobState(jobId);
    if (states.includes(state)) return (await queue.getJob(jobId))!;
    if (Date.now() > deadline) {
      throw new Error(`job ${jobId} is ${state}, not ${states.join(' or ')}, after ${ms} ms`);
    }
    await sleep(50);
  }
}

/** The app's worker, stopped from fetching jobs (its main loop ended) until resumed. */
async function pauseAppWorker(t: TestApp): Promise<Worker> {
  const worker = t.app.get(RedemptionProcessor).worker;
  await worker.pause();
  return worker;
}

/**
 * A worker process that takes one job and dies before completing it: a raw BullMQ worker in
 * manual mode whose lock on the job simply runs out.
 */
async function takeAndAbandon(
  t: TestApp,
  expectedJobId: string,
  lockMs = 1000,
): Promise<{ job: Job; result: unknown }> {
  const raw = new Worker(REDEMPTION_QUEUE, null, {
    connection: { url: t.config.redisUrl, maxRetriesPerRequest: null },
    prefix: t.config.queuePrefix,
    lockDuration: lockMs,
  });
  try {
    const job = await raw.getNextJob(`crashed-${randomUUID()}`, { block: false });
    expect(job?.id).toBe(expectedJobId);
    // The service's own decision on the job: it commits in the store, then the process "dies".
    const result = await t.app.get(RedemptionProcessor).process(job!);
    return { job: job!, result };
  } finally {
    await raw.close();
  }
}

/** Runs the app's (paused) worker's stalled check until the abandoned job is back in `waiting`. */
async function recoverStalled(t: TestApp, worker: Worker, jobId: string): Promise<void> {
  const check = () =>
    (worker as unknown as { moveStalledJobsToWait(): Promise<void> }).moveStalledJobsToWait();
  const deadline = Date.now() + 10_000;
  while ((await t.producer.getJobState(jobId)) !== 'waiting') {
    if (Date.now() > deadline) throw new Error(`job ${jobId} was not taken back as stalled`);
    await check();
    await sleep(100);
  }
}

describe('faults: data loss, crashed workers and conflicting orders', () => {
  let t: TestApp | undefined;
  let redis: EmbeddedRedis | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
    await redis?.stop();
    redis = undefined;
  });

  it('forgets cached coupons and users when Redis lost its data (FLUSHALL)', async () => {
    redis = await EmbeddedRedis.start();
    t = await startApp({ store: 'redis', redisUrl: redis.url });
    await t
      .post('/coupons', { ...COUPON, code: 'CPN1', repeatCounts: { globalTotal: 1000 } })
      .expect(201);
    await t.post('/users', user('u1')).expect(201);
    await t
      .post('/redemptions', { couponCode: 'CPN1', userId: 'u1', orderId: 'before' })
      .expect(201);

    const admin = new Redis(redis.url);
    try {
      await admin.flushall(); // the private Redis: its data is lost
    } finally {
      admin.disconnect();
    }
    await t
      .post('/coupons', {
        ...COUPON,
        code: 'CPN1',
        discountPercentage: 50,
        repeatCounts: { globalTotal: 1 },
      })
      .expect(201);

    const redeemFive = async (round: string): Promise<RedemptionOutcome[]> => {
      const finished = jobsFinished(t!.app, 5);
      const jobs = await t!.producer.addBulk(
        Array.from({ length: 5 }, (_, i) => ({
          name: JobName.Redeem,
          data: { couponCode: 'CPN1', userId: 'u1', orderId: `${round}-${i}` },
          opts: { jobId: redemptionJobId('CPN1', `${round}-${i}`) },
        })),
      );
      await finished;
      return Promise.all(jobs.map(async (job) => (await t!.producer.getJob(job.id!))!.returnvalue));
    };

    const unregistered = await redeemFive('lost');
    expect(unregistered.map((o) => `${o.status} ${o.reason ?? ''}`.trim())).toEqual(
      Array(5).fill('rejected USER_NOT_FOUND'),
    );
    expect((await t.get('/coupons/CPN1/repeat-counts').expect(200)).body.globalUsed).toBe(0);

    await t.post('/users', user('u1')).expect(201);
    const registered = await redeemFive('again');
    const accepted = registered.filter((o) => o.status === 'accepted');
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.discountPercentage).toBe(50);
    expect(registered.filter((o) => o.reason === 'GLOBAL_LIMIT_REACHED')).toHaveLength(4);
    expect((await t.get('/coupons/CPN1/repeat-counts').expect(200)).body.globalUsed).toBe(1);
  }, 90_000);

  it.each(['memory', 'redis'] as const)(
    'decides an orderless job on its own when an obliterated queue reuses its job id (%s store)',
    async (store) => {
      t = await startApp({ store });
      await t
        .post('/coupons', { ...COUPON, code: 'SOLO', repeatCounts: { userTotal: 1 } })
        .expect(201);
      for (const id of ['alice', 'bob']) await t.post('/users', user(id)).expect(201);

      const publish = async (userId: string) => {
        const finished = jobsFinished(t!.app, 1);
        const job = await t!.producer.add(JobName.Redeem, { couponCode: 'SOLO', userId });
        await finished;
        return { id: job.id, outcome: (await t!.producer.getJob(job.id!))!.returnvalue };
      };

      const alice = await publish('alice');
      expect(alice.id).toBe('1');
      expect(alice.outcome).toMatchObject({ status: 'accepted', userId: 'alice' });

      await t.producer.obliterate({ force: true }); // job ids start at 1 again
      const bob = await publish('bob');
      expect(bob.id).toBe('1');
      expect(bob.outcome).toMatchObject({ status: 'accepted', userId: 'bob' });
      expect((await t.get('/coupons/SOLO/repeat-counts').expect(200)).body.globalUsed).toBe(2);

      const bobAgain = await publish('bob');
      expect(bobAgain.outcome).toMatchObject({
        status: 'rejected',
        reason: 'USER_TOTAL_LIMIT_REACHED',
        userId: 'bob',
      });
    },
  );

  it('rolls back an order whose redeem job was committed by a worker that then died', async () => {
    t = await startApp({ store: 'redis', jobLockMs: 1000 }, '2026-11-25T12:00:00Z');
    await t
      .post('/coupons', { ...COUPON, code: 'RACE', repeatCounts: { globalTotal: 10 } })
      .expect(201);
    await t.post('/users', user('alice')).expect(201);
    const order = { couponCode: 'RACE', userId: 'alice', orderId: 'X' };
    const jobId = redemptionJobId('RACE', 'X');

    const worker = await pauseAppWorker(t);
    await t.producer.add(JobName.Redeem, order, { jobId, attempts: 3 });
    // The lock outlives the rollback's own retries, so the redeem job is still "active" during them.
    const first = (await takeAndAbandon(t, jobId, 6000)).result as RedemptionOutcome;
    expect(first).toMatchObject({ status: 'accepted', processedAt: '2026-11-25T12:00:00.000Z' });
    t.clock.set('2026-11-25T12:05:00Z'); // a fresh decision would carry this time
    await worker.resume();

    const rolledBack = await t.post('/redemptions/rollback', order);
    expect({ status: rolledBack.status, body: rolledBack.body }).toMatchObject({
      status: 200,
      body: { status: 'rolled-back' },
    });
    expect((await t.get('/coupons/RACE/repeat-counts').expect(200)).body.globalUsed).toBe(0);

    // The stalled redeem job runs again once its lock ran out: the first decision, replayed.
    const rerun = await jobReaches(t.producer, jobId, ['completed', 'failed'], 15_000);
    expect(rerun.failedReason).toBeUndefined();
    expect(rerun.returnvalue).toMatchObject({
      status: 'accepted',
      processedAt: first.processedAt,
    });
    expect((await t.get('/coupons/RACE/repeat-counts').expect(200)).body.globalUsed).toBe(0);
    const log = await t.get('/coupons/RACE/redemptions').expect(200);
    expect(log.body.items.map((e: { status: string }) => e.status)).toEqual([
      'rolled-back',
      'accepted',
    ]);

    const again = await t.post('/redemptions', order).expect(201);
    expect(again.body).toMatchObject({
      status: 'accepted',
      processedAt: '2026-11-25T12:05:00.000Z',
    });
    expect((await t.get('/coupons/RACE/repeat-counts').expect(200)).body.globalUsed).toBe(1);
  }, 90_000);

  it('completes a committed redeem job whose workers died twice, counting it once', async () => {
    t = await startApp({ store: 'redis', jobLockMs: 1000 });
    await t
      .post('/coupons', { ...COUPON, code: 'TWICE', repeatCounts: { globalTotal: 10 } })
      .expect(201);
    await t.post('/users', user('alice')).expect(201);
    const jobId = redemptionJobId('TWICE', 'X');

    const worker = await pauseAppWorker(t);
    await t.producer.add(
      JobName.Redeem,
      { couponCode: 'TWICE', userId: 'alice', orderId: 'X' },
      { jobId, attempts: 3 },
    );
    const first = (await takeAndAbandon(t, jobId)).result as RedemptionOutcome;
    expect(first.status).toBe('accepted');
    await recoverStalled(t, worker, jobId); // the first crash: moved back to waiting
    expect((await takeAndAbandon(t, jobId)).result).toEqual(first); // the second crash
    await worker.resume(); // its stalled checker finds the job a second time

    const ended = await jobReaches(t.producer, jobId, ['completed', 'failed'], 15_000);
    expect({ state: await ended.getState(), failedReason: ended.failedReason }).toEqual({
      state: 'completed',
      failedReason: undefined,
    });
    expect(ended.returnvalue).toEqual(first);
    expect((await t.get('/coupons/TWICE/repeat-counts').expect(200)).body.globalUsed).toBe(1);
  }, 90_000);

  it.each(['memory', 'redis'] as const)(
    "refuses another user's redemption of an accepted order as ORDER_CONFLICT (%s store)",
    async (store) => {
      t = await startApp({ store });
      await t
        .post('/coupons', { ...COUPON, code: 'SHARED', repeatCounts: { globalTotal: 10 } })
        .expect(201);
      for (const id of ['alice', 'bob']) await t.post('/users', user(id)).expect(201);
      const alice = { couponCode: 'SHARED', userId: 'alice', orderId: 'ord-1' };
      const bob = { ...alice, userId: 'bob' };
      const globalUsed = async () =>
        (await t!.get('/coupons/SHARED/repeat-counts').expect(200)).body.globalUsed;

      const accepted = await t.post('/redemptions', alice).expect(201);
      expect(accepted.body).toMatchObject({ status: 'accepted', userId: 'alice' });

      const viaRest = await t.post('/redemptions', bob);
      expect({ status: viaRest.status, body: viaRest.body }).toMatchObject({
        status: 422,
        body: { status: 'rejected', reason: 'ORDER_CONFLICT', userId: 'bob', orderId: 'ord-1' },
      });
      expect(await globalUsed()).toBe(1);

      const finished = jobsFinished(t.app, 1);
      await t.producer.add(JobName.Redeem, bob, { jobId: 'other-1' });
      await finished;
      expect((await t.producer.getJob('other-1'))!.returnvalue).toMatchObject({
        status: 'rejected',
        reason: 'ORDER_CONFLICT',
        userId: 'bob',
        orderId: 'ord-1',
      });
      expect(await globalUsed()).toBe(1);

      expect((await t.post('/redemptions', alice).expect(201)).body).toEqual(accepted.body);
    },
  );

  it('completes a re-run rollback job with its own result, not already-rolled-back', async () => {
    t = await startApp({ store: 'redis', jobLockMs: 1000 });
    await t
      .post('/coupons', { ...COUPON, code: 'UNDO', repeatCounts: { globalTotal: 10 } })
      .expect(201);
    await t.post('/users', user('alice')).expect(201);
    const order = { couponCode: 'UNDO', userId: 'alice', orderId: 'X' };
    await t.post('/redemptions', order).expect(201);

    const worker = await pauseAppWorker(t);
    const jobId = rollbackJobId('UNDO', 'X', 'crashed');
    const rollbacks = t.producer as unknown as Queue;
    await rollbacks.add(JobName.Rollback, order, { jobId, attempts: 3 });
    const applied = (await takeAndAbandon(t, jobId)).result as RollbackOutcome;
    expect(applied).toMatchObject({
      status: 'rolled-back',
      restored: { globalTotal: true, userTotal: true, userWeekly: true, userDaily: true },
    });
    await worker.resume();

    const rerun = await jobReaches(t.producer, jobId, ['completed', 'failed'], 15_000);
    expect(rerun.failedReason).toBeUndefined();
    expect(rerun.returnvalue).toMatchObject({ status: 'rolled-back', restored: applied.restored });
    expect((await t.get('/coupons/UNDO/repeat-counts').expect(200)).body.globalUsed).toBe(0);

    const later = await t.post('/redemptions/rollback', order).expect(200);
    expect(later.body.status).toBe('already-rolled-back');
  }, 90_000);

  it('puts a job back without spending an attempt while the store is unreachable, and decides it after', async () => {
    t = await startApp({ store: 'redis' });
    await t
      .post('/coupons', { ...COUPON, code: 'SHARD', repeatCounts: { globalTotal: 10 } })
      .expect(201);
    await t.post('/users', user('alice')).expect(201);
    // As when the coupon's shard of a cluster is down while the queue's shard answers.
    const store = t.app.get<Redis>(STORE_REDIS);
    store.disconnect();
    const jobId = redemptionJobId('SHARD', 'during-outage');
    await t.producer.add(
      JobName.Redeem,
      { couponCode: 'SHARD', userId: 'alice', orderId: 'during-outage' },
      { jobId, attempts: 1 },
    );
    const putBack = await jobReaches(t.producer, jobId, ['delayed', 'failed'], 10_000);
    expect(putBack.failedReason).toBeUndefined();
    expect(putBack.attemptsMade).toBe(0);
    await store.connect();
    const decided = await jobReaches(t.producer, jobId, ['completed', 'failed'], 10_000);
    expect(decided.failedReason).toBeUndefined();
    expect(decided.returnvalue).toMatchObject({ status: 'accepted' });
    expect((await t.get('/coupons/SHARD/repeat-counts').expect(200)).body.globalUsed).toBe(1);
  }, 30_000);
});
