import { Queue, type Job } from 'bullmq';
import request from 'supertest';
import { ResetProcessor } from '../src/resets/reset.processor.js';
import { ResetService } from '../src/resets/reset.service.js';
import { RESET_QUEUE, ResetJobName, type ResetResult } from '../src/resets/reset.contract.js';
import { JobName } from '../src/redemptions/redemption.contract.js';
import {
  deleteKeys,
  jobsFinished,
  REDIS_URL,
  startApp,
  uniquePrefix,
  type TestApp,
} from './helpers.js';

async function setUp(t: TestApp, repeatCounts: object) {
  await t
    .post('/coupons', {
      code: 'DAILY',
      discountPercentage: 5,
      expiresAt: '2027-12-31',
      repeatCounts,
    })
    .expect(201);
  for (const id of ['u1', 'u2']) {
    await t.post('/users', { id, name: id, email: `${id}@example.com` }).expect(201);
  }
}

let order = 0;
async function redeem(t: TestApp, userId: string, orderId = `o-${++order}`) {
  return (await t.post('/redemptions', { couponCode: 'DAILY', userId, orderId })).body;
}

const usage = async (t: TestApp, userId: string) =>
  (await t.get(`/coupons/DAILY/usage/${userId}`).expect(200)).body;

describe('resets', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('needs no reset at midnight: a new day counts from 0, the week keeps its count', async () => {
    t = await startApp({}, '2026-11-25T23:59:00Z'); // a Wednesday
    await setUp(t, { userDaily: 1, userWeekly: 5 });
    expect(await redeem(t, 'u1')).toMatchObject({ status: 'accepted' });
    expect(await redeem(t, 'u1')).toMatchObject({ reason: 'USER_DAILY_LIMIT_REACHED' });

    t.clock.set('2026-11-26T00:01:00Z'); // no reset has run
    expect(await usage(t, 'u1')).toMatchObject({
      userDaily: { used: 0, remaining: 1 },
      userWeekly: { used: 1 },
    });
    expect(await redeem(t, 'u1')).toMatchObject({
      status: 'accepted',
      remaining: { userDaily: 0, userWeekly: 3 },
    });
  });

  it('needs no reset on Monday either: day and week both count from 0', async () => {
    t = await startApp({}, '2026-11-29T23:59:00Z'); // a Sunday
    await setUp(t, { userDaily: 1, userWeekly: 1 });
    expect(await redeem(t, 'u1')).toMatchObject({ status: 'accepted' });
    t.clock.set('2026-11-30T00:01:00Z');
    expect(await usage(t, 'u1')).toMatchObject({ userDaily: { used: 0 }, userWeekly: { used: 0 } });
    expect(await redeem(t, 'u1')).toMatchObject({ status: 'accepted' });
  });

  it('runs a manual reset on POST /admin/resets/*, setting the current period to 0 too', async () => {
    t = await startApp({}, '2026-11-25T23:59:00Z');
    await setUp(t, { userDaily: 1, userWeekly: 5 });
    await redeem(t, 'u1');
    await redeem(t, 'u2');
    expect(await redeem(t, 'u1')).toMatchObject({ reason: 'USER_DAILY_LIMIT_REACHED' });

    const daily = await t.post('/admin/resets/daily').expect(200);
    expect(daily.body).toEqual({
      window: 'daily',
      trigger: 'manual',
      currentPeriod: '2026-11-25',
      periodsCleared: ['2026-11-25'],
      countersReset: 2,
      outcomesPruned: 0,
      ranAt: '2026-11-25T23:59:00.000Z',
    });
    // The day is forgiven; the week and the totals stay.
    expect(await usage(t, 'u1')).toMatchObject({
      userDaily: { used: 0 },
      userWeekly: { used: 1 },
      userTotal: { used: 1 },
    });
    expect(await redeem(t, 'u1')).toMatchObject({ status: 'accepted' });

    const weekly = await t.post('/admin/resets/weekly').expect(200);
    expect(weekly.body).toEqual({
      window: 'weekly',
      trigger: 'manual',
      currentPeriod: '2026-W48',
      periodsCleared: ['2026-W48'],
      countersReset: 2,
      ranAt: '2026-11-25T23:59:00.000Z',
    });
    expect(await usage(t, 'u1')).toMatchObject({ userWeekly: { used: 0 }, userTotal: { used: 2 } });
    await request(t.app.getHttpServer()).post('/admin/resets/daily').expect(401);
  });

  it('clears only periods that ended before the time a scheduled reset was due, however late it runs', async () => {
    t = await startApp({}, '2026-11-25T12:00:00Z');
    await setUp(t, { userDaily: 1 });
    await redeem(t, 'u1');
    t.clock.set('2026-11-26T00:01:00Z');
    await redeem(t, 'u2'); // a use of the new day before the (late) reset runs
    t.clock.set('2026-11-27T00:05:00Z'); // the reset due at 11-26 00:00 runs a day late
    const result = await t.app
      .get(ResetService)
      .reset('daily', { scheduledFor: Date.parse('2026-11-26T00:00:00Z') });
    expect(result).toMatchObject({
      trigger: 'schedule',
      scheduledFor: '2026-11-26T00:00:00.000Z',
      currentPeriod: '2026-11-27',
      periodsCleared: ['2026-11-25'],
      countersReset: 1,
    });
    t.clock.set('2026-11-26T12:00:00Z');
    expect(await usage(t, 'u2')).toMatchObject({ userDaily: { used: 1 } }); // the 00:01 use stands
  });

  it('resets by the days of COUPON_TZ, not of UTC', async () => {
    // 20:00 in New York on Wednesday is already Thursday in UTC.
    t = await startApp({ couponTz: 'America/New_York' }, '2026-11-26T01:00:00Z');
    await setUp(t, { userDaily: 1 });
    expect(await redeem(t, 'u1')).toMatchObject({ status: 'accepted' });
    expect(await redeem(t, 'u1')).toMatchObject({ reason: 'USER_DAILY_LIMIT_REACHED' });
    expect((await t.post('/admin/resets/daily').expect(200)).body).toMatchObject({
      currentPeriod: '2026-11-25',
      periodsCleared: ['2026-11-25'],
      countersReset: 1,
    });
    expect(await usage(t, 'u1')).toMatchObject({ userDaily: { used: 0 } });
    expect(await redeem(t, 'u1')).toMatchObject({ status: 'accepted' });
  });

  it('keeps first outcomes for IDEMPOTENCY_TTL_HOURS, then decides the order afresh; the daily reset prunes them', async () => {
    t = await startApp({ idempotencyTtlHours: 24 }, '2026-11-25T12:00:00Z');
    await setUp(t, {});
    // Published as an order system would, under a new job id each time, so only the store remembers.
    const publish = async () => {
      const finished = jobsFinished(t.app, 1);
      const job = await t.producer.add(JobName.Redeem, {
        couponCode: 'DAILY',
        userId: 'u1',
        orderId: 'order-1',
      });
      await finished;
      return (await t.producer.getJob(job.id!))!.returnvalue;
    };
    const first = await publish();
    t.clock.set('2026-11-26T11:59:59.999Z');
    expect(await publish()).toEqual(first);
    t.clock.set('2026-11-26T12:00:00Z');
    expect((await t.post('/admin/resets/daily').expect(200)).body).toMatchObject({
      outcomesPruned: 1,
    });
    expect(await publish()).toMatchObject({
      status: 'accepted',
      processedAt: '2026-11-26T12:00:00.000Z',
    });
    expect(await usage(t, 'u1')).toMatchObject({ userTotal: { used: 2 } });
  });

  it('counts ISO weeks across the year end: 2026-W53 runs from Monday 2026-12-28 to Sunday 2027-01-03', async () => {
    t = await startApp({}, '2026-12-31T10:00:00Z');
    await setUp(t, { userWeekly: 1 });
    expect(await redeem(t, 'u1')).toMatchObject({ status: 'accepted' });
    t.clock.set('2027-01-03T23:59:59.999Z');
    expect(await redeem(t, 'u1')).toMatchObject({ reason: 'USER_WEEKLY_LIMIT_REACHED' });
    expect((await t.post('/admin/resets/weekly').expect(200)).body).toMatchObject({
      currentPeriod: '2026-W53',
      periodsCleared: ['2026-W53'],
    });
    t.clock.set('2027-01-04T00:00:00Z');
    expect(await redeem(t, 'u1')).toMatchObject({ status: 'accepted' });
    expect((await t.post('/admin/resets/weekly').expect(200)).body).toMatchObject({
      currentPeriod: '2027-W01',
      periodsCleared: ['2027-W01'],
      countersReset: 1,
    });
  });

  describe.each([
    ['UTC', '2026-11-25T23:59:59.999Z', '2026-11-26T00:00:00.000Z'],
    ['America/New_York', '2026-03-08T04:59:59.999Z', '2026-03-08T05:00:00.000Z'], // into the spring-forward day
    ['America/New_York', '2026-03-09T03:59:59.999Z', '2026-03-09T04:00:00.000Z'], // out of it (23 hours)
    ['America/New_York', '2026-11-01T03:59:59.999Z', '2026-11-01T04:00:00.000Z'], // into the fall-back day
    ['America/New_York', '2026-11-02T04:59:59.999Z', '2026-11-02T05:00:00.000Z'], // out of it (25 hours)
    ['Europe/Berlin', '2026-03-28T22:59:59.999Z', '2026-03-28T23:00:00.000Z'],
    ['Europe/Berlin', '2026-03-29T21:59:59.999Z', '2026-03-29T22:00:00.000Z'],
    ['Europe/Berlin', '2026-10-24T21:59:59.999Z', '2026-10-24T22:00:00.000Z'],
    ['Europe/Berlin', '2026-10-25T22:59:59.999Z', '2026-10-25T23:00:00.000Z'],
  ])('in %s, the day ending at %s', (couponTz, lastInstant, firstInstantOfNextDay) => {
    it('refuses a second use until the local midnight, then allows one', async () => {
      t = await startApp({ couponTz }, lastInstant);
      await setUp(t, { userDaily: 1 });
      expect(await redeem(t, 'u1')).toMatchObject({ status: 'accepted' });
      expect(await redeem(t, 'u1')).toMatchObject({ reason: 'USER_DAILY_LIMIT_REACHED' });
      t.clock.set(firstInstantOfNextDay);
      expect(await redeem(t, 'u1')).toMatchObject({ status: 'accepted' });
    });
  });
});

describe('job schedulers', () => {
  const prefix = uniquePrefix();
  const queue = new Queue(RESET_QUEUE, { connection: { url: REDIS_URL }, prefix });
  afterAll(async () => {
    await queue.close();
    await deleteKeys(prefix);
  });

  const schedulers = async () =>
    (await queue.getJobSchedulers())
      .map(({ key, name, pattern, tz }) => ({ key, name, pattern, tz }))
      .sort((a, b) => a.key.localeCompare(b.key));

  it('are two after any number of starts, and follow COUPON_TZ', async () => {
    const pendingJobs = async () =>
      (await queue.getDelayed())
        .map(({ id, timestamp }) => ({ id, timestamp }))
        .sort((a, b) => a.id!.localeCompare(b.id!));
    let pendingBefore: Awaited<ReturnType<typeof pendingJobs>> = [];
    for (const couponTz of ['UTC', 'UTC', 'Europe/Berlin']) {
      const t = await startApp({ queuePrefix: prefix, couponTz });
      await t.app.close();
      await t.producer.close();
      expect(await schedulers()).toEqual([
        { key: 'daily-reset', name: 'daily-reset', pattern: '0 0 * * *', tz: couponTz },
        { key: 'weekly-reset', name: 'weekly-reset', pattern: '0 0 * * 1', tz: couponTz },
      ]);
      const pending = await pendingJobs();
      expect(pending).toHaveLength(2);
      // A restart with unchanged settings leaves the pending reset jobs as they were (one that
      // came due while no worker ran is not replaced); a new zone re-times them.
      if (couponTz === 'UTC' && pendingBefore.length > 0) expect(pending).toEqual(pendingBefore);
      if (couponTz === 'Europe/Berlin') expect(pending).not.toEqual(pendingBefore);
      pendingBefore = pending;
    }
  });

  it('fire reset jobs that reset counters', async () => {
    const t = await startApp({ queuePrefix: prefix }, '2026-11-25T12:00:00Z');
    try {
      await setUp(t, {});
      await redeem(t, 'u1');
      await redeem(t, 'u2');
      t.clock.set('2026-11-26T12:00:00Z');

      const worker = t.app.get(ResetProcessor).worker;
      const ran = new Promise<ResetResult>((resolve) => {
        worker.on('completed', (job: Job, result: ResetResult) => {
          if (job.name === ResetJobName.Daily) resolve(result);
        });
      });
      await queue.upsertJobScheduler(
        'test-every-second',
        { pattern: '* * * * * *' },
        { name: ResetJobName.Daily },
      );
      try {
        expect(await ran).toMatchObject({
          window: 'daily',
          currentPeriod: '2026-11-26',
          countersReset: 2,
        });
      } finally {
        await queue.removeJobScheduler('test-every-second');
      }
    } finally {
      await t.close();
    }
  });
});
