import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddedRedis } from '../src/redis/embedded-redis.js';
import { RESET_QUEUE, RESET_SCHEDULES } from '../src/resets/reset.contract.js';
import { startApp, type TestApp } from './helpers.js';

const MAX_ID_PART = '18446744073709551615'; // 2^64 - 1, the largest part of a Redis stream id

describe.each(['memory', 'redis'] as const)('redemption log cursors (%s store)', (store) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ store });
    await t
      .post('/coupons', { code: 'LOGGED', discountPercentage: 10, expiresAt: '2027-06-30' })
      .expect(201);
    await t.post('/users', { id: 'alice', name: 'Alice', email: 'a@example.com' }).expect(201);
    for (const orderId of ['o1', 'o2']) {
      await t.post('/redemptions', { couponCode: 'LOGGED', userId: 'alice', orderId }).expect(201);
    }
  });
  afterAll(async () => t.close());

  it.each([
    '0-0',
    '0000000000000000-0',
    '0-00',
    `18446744073709551616-0`,
    `0-18446744073709551616`,
    '99999999999999999999',
    '123456789012345678901-1',
    '1-',
    '-1',
  ])('answers the cursor %s, which no log entry can follow, with a 400', async (cursor) => {
    const response = await t.get(`/coupons/LOGGED/redemptions?cursor=${cursor}`).expect(400);
    expect(response.body.message).toEqual(['cursor must be a nextCursor of this log']);
  });

  it.each([
    [`${MAX_ID_PART}-${MAX_ID_PART}`, ['o2', 'o1']],
    [MAX_ID_PART, ['o2', 'o1']],
    ['0', []],
    ['0-1', []],
  ])('serves the edge cursor %s', async (cursor, orders) => {
    const response = await t.get(`/coupons/LOGGED/redemptions?cursor=${cursor}`).expect(200);
    expect(response.body.items.map((e: { orderId: string }) => e.orderId)).toEqual(orders);
    expect(response.body.nextCursor).toBeNull();
  });

  it('still pages with the nextCursor it hands out', async () => {
    const first = await t.get('/coupons/LOGGED/redemptions?limit=1').expect(200);
    const next = await t
      .get(`/coupons/LOGGED/redemptions?limit=1&cursor=${first.body.nextCursor}`)
      .expect(200);
    expect(next.body.items.map((e: { orderId: string }) => e.orderId)).toEqual(['o1']);
  });
});

describe('PATCH /coupons/:code expiresAt', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({}, '2026-11-25T12:00:00Z');
    await t
      .post('/coupons', { code: 'LATER', discountPercentage: 10, expiresAt: '2027-06-30' })
      .expect(201);
  });
  afterAll(async () => t.close());

  it.each(['2026-11-24', '2026-11-25T11:59:59Z', '2026-11-25T12:00:00Z'])(
    'refuses an expiresAt at or before now (%s) as POST does',
    async (expiresAt) => {
      const posted = await t
        .post('/coupons', { code: 'OTHER', discountPercentage: 10, expiresAt })
        .expect(400);
      const patched = await t.patch('/coupons/LATER', { expiresAt }).expect(400);
      expect(patched.body.message).toEqual(['expiresAt must be in the future']);
      expect(patched.body.message).toEqual(posted.body.message);
      expect((await t.get('/coupons/LATER').expect(200)).body.expiresAt).toBe(
        '2027-06-30T23:59:59.999Z',
      );
    },
  );

  it('still takes a future expiresAt, and changes that leave expiresAt alone', async () => {
    const later = await t.patch('/coupons/LATER', { expiresAt: '2026-11-25T12:00:01Z' });
    expect(later.status).toBe(200);
    expect(later.body.expiresAt).toBe('2026-11-25T12:00:01.000Z');
    t.clock.set('2026-11-26T00:00:00Z'); // the coupon has expired; other fields may still change
    await t.patch('/coupons/LATER', { description: 'over' }).expect(200);
  });
});

describe('reset job schedulers after Redis lost its data', () => {
  let redis: EmbeddedRedis;
  let t: TestApp | undefined;

  beforeAll(async () => {
    redis = await EmbeddedRedis.start();
  });
  afterAll(async () => {
    await t?.close();
    await redis.stop();
  });

  it('re-creates the daily and weekly schedulers within the check interval', async () => {
    t = await startApp({ store: 'redis', redisUrl: redis.url, resetSchedulerCheckMs: 200 });
    const queue = t.app.get<Queue>(getQueueToken(RESET_QUEUE));
    const ids = async () => (await queue.getJobSchedulers()).map((s) => s.key).sort();
    const expected = RESET_SCHEDULES.map((s) => s.id).sort();
    expect(await ids()).toEqual(expected);

    const admin = new Redis(redis.url);
    try {
      await admin.flushall();
    } finally {
      admin.disconnect();
    }
    expect(await ids()).toEqual([]);

    const deadline = Date.now() + 2_000; // a few intervals of 200 ms
    while ((await ids()).length < expected.length && Date.now() < deadline) await sleep(50);
    expect(await ids()).toEqual(expected);
    const daily = await queue.getJobScheduler('daily-reset');
    expect(daily).toMatchObject({ pattern: '0 0 * * *', tz: 'UTC' });
  });
});
