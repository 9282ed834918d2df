import { Queue } from 'bullmq';
import {
  JobName,
  REDEMPTION_QUEUE,
  type JobData,
  type JobResult,
} from '../src/redemptions/redemption.contract.js';
import { jobsFinished, startApp, type TestApp } from './helpers.js';

/**
 * What admins see of checkout holds: validate, usage, repeat counts, the coupon list, a unique
 * code's state and the redemption log's hold statuses. Holds are made and freed through the queue,
 * as an order system makes them.
 */
const NOTHING_HELD = { globalTotal: 0, userTotal: 0, userWeekly: 0, userDaily: 0 };

describe.each(['memory', 'redis'] as const)('checkout holds in the views, %s store', (store) => {
  let t: TestApp;
  let queue: Queue;

  beforeEach(async () => {
    t = await startApp({ store }, '2026-11-25T12:00:00Z'); // a Wednesday
    queue = new Queue(REDEMPTION_QUEUE, {
      connection: { url: t.config.redisUrl },
      prefix: t.config.queuePrefix,
    });
  });
  afterEach(async () => {
    await queue.close();
    await t.close();
  });

  /** Publishes a job as an order system does and answers its outcome. */
  async function run<N extends JobName.Reserve | JobName.Release | JobName.Redeem>(
    name: N,
    data: JobData[N],
  ): Promise<JobResult[N]> {
    const finished = jobsFinished(t.app, 1);
    const job = await queue.add(name, data);
    await finished;
    const done = (await queue.getJob(job.id!))!;
    if (done.failedReason) throw new Error(`${name} job failed: ${done.failedReason}`);
    return done.returnvalue as JobResult[N];
  }
  const reserve = (data: JobData[JobName.Reserve]) => run(JobName.Reserve, data);
  const release = (data: JobData[JobName.Release]) => run(JobName.Release, data);

  const register = (id: string) =>
    t.post('/users', { id, name: `User ${id}`, email: `${id}@example.com` }).expect(201);
  const coupon = (repeatCounts: object, code = 'HOLD10') =>
    t.post('/coupons', { code, discountPercentage: 10, expiresAt: '2026-12-31', repeatCounts });
  const validate = async (query = '', code = 'HOLD10') =>
    (await t.get(`/coupons/${code}/validate${query}`).expect(200)).body;
  const usage = async (userId: string) =>
    (await t.get(`/coupons/HOLD10/usage/${userId}`).expect(200)).body;

  it('shows a live hold apart from uses in validate, usage, repeat counts and the list; remaining subtracts it', async () => {
    await coupon({ globalTotal: 3, userDaily: 1 }).expect(201);
    await register('alice');
    await register('bob');
    expect(await reserve({ couponCode: 'hold10', userId: 'alice', orderId: 'o-1' })).toMatchObject({
      status: 'reserved',
      expiresAt: '2026-11-25T12:15:00.000Z',
    });
    await t.post('/redemptions', { couponCode: 'HOLD10', userId: 'bob', orderId: 'o-2' });

    // alice holds her one use of today: a redemption would be refused, and validate says so.
    expect(await validate('?userId=alice')).toEqual({
      valid: false,
      reason: 'USER_DAILY_LIMIT_REACHED',
      remaining: { globalTotal: 1, userTotal: null, userWeekly: null, userDaily: 0 },
      held: { globalTotal: 1, userTotal: 1, userWeekly: 1, userDaily: 1 },
    });
    expect(await validate('?userId=bob')).toEqual({
      valid: false,
      reason: 'USER_DAILY_LIMIT_REACHED',
      remaining: { globalTotal: 1, userTotal: null, userWeekly: null, userDaily: 0 },
      held: { globalTotal: 1, userTotal: 0, userWeekly: 0, userDaily: 0 },
    });
    // Without a user: only the global hold; per-user counts are those of a user with none.
    expect(await validate()).toEqual({
      valid: true,
      remaining: { globalTotal: 1, userTotal: null, userWeekly: null, userDaily: 1 },
      held: { globalTotal: 1, userTotal: 0, userWeekly: 0, userDaily: 0 },
    });
    expect(await usage('alice')).toEqual({
      userTotal: { used: 0, held: 1, limit: null, remaining: null },
      userDaily: { used: 0, held: 1, limit: 1, remaining: 0 },
      userWeekly: { used: 0, held: 1, limit: null, remaining: null },
    });
    expect(await usage('bob')).toEqual({
      userTotal: { used: 1, held: 0, limit: null, remaining: null },
      userDaily: { used: 1, held: 0, limit: 1, remaining: 0 },
      userWeekly: { used: 1, held: 0, limit: null, remaining: null },
    });
    expect((await t.get('/coupons/HOLD10/repeat-counts').expect(200)).body).toMatchObject({
      globalUsed: 1,
      globalHeld: 1,
      globalRemaining: 1,
    });
    const list = (await t.get('/coupons').expect(200)).body.items;
    expect(list[0]).toMatchObject({
      code: 'HOLD10',
      globalUsed: 1,
      globalHeld: 1,
      globalRemaining: 1,
    });

    // The confirming redeem turns the held use into a counted one: counted once.
    const confirmed = await t
      .post('/redemptions', { couponCode: 'HOLD10', userId: 'alice', orderId: 'o-1' })
      .expect(201);
    expect(confirmed.body).toMatchObject({ status: 'accepted', hold: 'confirmed' });
    expect(await validate('?userId=alice')).toMatchObject({
      valid: false,
      reason: 'USER_DAILY_LIMIT_REACHED',
      remaining: { globalTotal: 1, userDaily: 0 },
      held: NOTHING_HELD,
    });
    expect((await usage('alice')).userDaily).toEqual({ used: 1, held: 0, limit: 1, remaining: 0 });
    expect((await t.get('/coupons/HOLD10/repeat-counts').expect(200)).body).toMatchObject({
      globalUsed: 2,
      globalHeld: 0,
      globalRemaining: 1,
    });
  });

  it('refuses a global cap taken by holds, and frees it at release and at expiry with no sweeper', async () => {
    await coupon({ globalTotal: 2 }).expect(201);
    for (const user of ['alice', 'bob', 'carol']) await register(user);
    await reserve({ couponCode: 'HOLD10', userId: 'alice', orderId: 'o-1', ttlSeconds: 60 });
    await reserve({ couponCode: 'HOLD10', userId: 'bob', orderId: 'o-2' });
    expect(await validate('?userId=carol')).toEqual({
      valid: false,
      reason: 'GLOBAL_LIMIT_REACHED',
      remaining: { globalTotal: 0, userTotal: null, userWeekly: null, userDaily: null },
      held: { globalTotal: 2, userTotal: 0, userWeekly: 0, userDaily: 0 },
    });
    expect(await validate()).toMatchObject({ valid: false, reason: 'GLOBAL_LIMIT_REACHED' });

    expect(await release({ couponCode: 'HOLD10', userId: 'bob', orderId: 'o-2' })).toMatchObject({
      status: 'released',
    });
    expect(await validate('?userId=carol')).toMatchObject({
      valid: true,
      remaining: { globalTotal: 1 },
      held: { globalTotal: 1 },
    });

    // alice's hold ends at its expiry: nothing ran in between, and it no longer counts.
    t.clock.set('2026-11-25T12:00:59.999Z');
    expect((await usage('alice')).userTotal).toEqual({
      used: 0,
      held: 1,
      limit: null,
      remaining: null,
    });
    t.clock.set('2026-11-25T12:01:00Z');
    expect((await usage('alice')).userTotal).toEqual({
      used: 0,
      held: 0,
      limit: null,
      remaining: null,
    });
    expect(await validate('?userId=carol')).toEqual({
      valid: true,
      remaining: { globalTotal: 2, userTotal: null, userWeekly: null, userDaily: null },
      held: NOTHING_HELD,
    });
    expect((await t.get('/coupons/HOLD10/repeat-counts').expect(200)).body).toMatchObject({
      globalUsed: 0,
      globalHeld: 0,
      globalRemaining: 2,
    });
  });

  it("counts a hold in the day and week it was reserved in, and forgiving leaves the user's holds", async () => {
    await coupon({ userDaily: 1, userWeekly: 2 }).expect(201);
    await register('alice');
    t.clock.set('2026-11-25T23:55:00Z');
    await reserve({ couponCode: 'HOLD10', userId: 'alice', orderId: 'late' });
    t.clock.set('2026-11-26T00:05:00Z'); // the next day, the same ISO week
    expect(await usage('alice')).toEqual({
      userTotal: { used: 0, held: 1, limit: null, remaining: null },
      userDaily: { used: 0, held: 0, limit: 1, remaining: 1 },
      userWeekly: { used: 0, held: 1, limit: 2, remaining: 1 },
    });
    expect(await validate('?userId=alice')).toMatchObject({
      valid: true,
      held: { globalTotal: 1, userTotal: 1, userWeekly: 1, userDaily: 0 },
    });
    const forgiven = (await t.delete('/coupons/HOLD10/usage/alice').expect(200)).body;
    expect(forgiven.userWeekly).toEqual({ used: 0, held: 1, limit: 2, remaining: 1 });
  });

  it("shows a unique code's held use in validate and in the code's state", async () => {
    await coupon({}).expect(201);
    await register('alice');
    await t.post('/coupons/HOLD10/code-batches', { count: 2, usesPerCode: 1 }).expect(201);
    const [one, two] = (await t.get('/coupons/HOLD10/code-batches/1/codes?offset=0').expect(200))
      .body.items as string[];
    expect(await reserve({ couponCode: one!, userId: 'alice', orderId: 'o-1' })).toMatchObject({
      status: 'reserved',
      coupon: 'HOLD10',
    });
    expect(await validate('?userId=alice', one)).toEqual({
      valid: false,
      reason: 'CODE_LIMIT_REACHED',
      remaining: { globalTotal: null, userTotal: null, userWeekly: null, userDaily: null },
      held: { globalTotal: 1, userTotal: 1, userWeekly: 1, userDaily: 1 },
      code: { code: one, batch: 1, used: 0, held: 1, limit: 1, revoked: false },
    });
    expect(await validate('?userId=alice', two)).toMatchObject({
      valid: true,
      code: { code: two, used: 0, held: 0 },
    });
    expect((await t.get(`/coupons/HOLD10/codes/${one}`).expect(200)).body).toEqual({
      code: one,
      batch: 1,
      used: 0,
      held: 1,
      limit: 1,
      revoked: false,
    });
    await t.post('/redemptions', { couponCode: one, userId: 'alice', orderId: 'o-1' }).expect(201);
    expect((await t.get(`/coupons/HOLD10/codes/${one}`).expect(200)).body).toMatchObject({
      used: 1,
      held: 0,
    });
  });

  it('filters the redemption log by the hold statuses', async () => {
    await coupon({}).expect(201);
    await register('alice');
    await reserve({ couponCode: 'HOLD10', userId: 'alice', orderId: 'paid' });
    await t.post('/redemptions', { couponCode: 'HOLD10', userId: 'alice', orderId: 'paid' });
    await reserve({ couponCode: 'HOLD10', userId: 'alice', orderId: 'abandoned' });
    await release({ couponCode: 'HOLD10', userId: 'alice', orderId: 'abandoned' });
    await reserve({ couponCode: 'HOLD10', userId: 'alice', orderId: 'lapsed', ttlSeconds: 1 });
    t.clock.set('2026-11-25T12:00:01Z');
    expect(await validate('?userId=alice')).toMatchObject({ held: NOTHING_HELD });

    const orders = async (status: string) =>
      (await t.get(`/coupons/HOLD10/redemptions?status=${status}`).expect(200)).body.items.map(
        (entry: { orderId: string; status: string }) => [entry.orderId, entry.status],
      );
    expect(await orders('reserved')).toEqual([
      ['lapsed', 'reserved'],
      ['abandoned', 'reserved'],
      ['paid', 'reserved'],
    ]);
    expect(await orders('confirmed')).toEqual([['paid', 'confirmed']]);
    expect(await orders('released')).toEqual([['abandoned', 'released']]);
    expect(await orders('expired')).toEqual([['lapsed', 'expired']]);
    const bogus = await t.get('/coupons/HOLD10/redemptions?status=held').expect(400);
    expect(bogus.body.message.join('\n')).toContain(
      'status must be one of accepted, rejected, rolled-back, reserved, confirmed, released, expired',
    );
  });
});
