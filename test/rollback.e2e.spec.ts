import { UnrecoverableError, type Job } from 'bullmq';
import { JobName } from '../src/redemptions/redemption.contract.js';
import { RedemptionProcessor } from '../src/redemptions/redemption.processor.js';
import { RedemptionService } from '../src/redemptions/redemption.service.js';
import { startApp, type TestApp } from './helpers.js';

describe.each(['memory', 'redis'] as const)(
  'rollback and the redemption log (%s store)',
  (store) => {
    let t: TestApp;

    beforeEach(async () => {
      t = await startApp({ store }, '2026-11-25T12:00:00Z');
      await t
        .post('/coupons', {
          code: 'SAVE10',
          discountPercentage: 10,
          expiresAt: '2027-06-30',
          repeatCounts: { globalTotal: 100, userTotal: 5, userWeekly: 3, userDaily: 1 },
        })
        .expect(201);
      for (const id of ['alice', 'bob']) {
        await t.post('/users', { id, name: id, email: `${id}@example.com` }).expect(201);
      }
    });
    afterEach(async () => t.close());

    const redeem = (orderId: string, userId = 'alice') =>
      t.post('/redemptions', { couponCode: 'save10', userId, orderId });
    const rollback = (orderId: string, userId = 'alice') =>
      t.post('/redemptions/rollback', { couponCode: 'save10', userId, orderId });
    const usage = async () => (await t.get('/coupons/SAVE10/usage/alice').expect(200)).body;

    it('gives the use back once, says so the second time, and decides the order afresh', async () => {
      await redeem('order-1').expect(201);
      await redeem('order-2').expect(422); // one a day

      const first = await rollback('order-1').expect(200);
      expect(first.body).toEqual({
        status: 'rolled-back',
        couponCode: 'SAVE10',
        userId: 'alice',
        orderId: 'order-1',
        restored: { globalTotal: true, userTotal: true, userWeekly: true, userDaily: true },
        processedAt: '2026-11-25T12:00:00.000Z',
      });
      expect((await usage()).userDaily).toEqual({ used: 0, held: 0, limit: 1, remaining: 1 });
      expect((await t.get('/coupons/SAVE10/repeat-counts').expect(200)).body.globalUsed).toBe(0);

      expect((await rollback('order-1').expect(200)).body).toMatchObject({
        status: 'already-rolled-back',
      });
      expect((await usage()).userTotal.used).toBe(0);

      t.clock.set('2026-11-25T13:00:00Z');
      const again = await redeem('order-1').expect(201);
      expect(again.body).toMatchObject({
        status: 'accepted',
        processedAt: '2026-11-25T13:00:00.000Z',
      });
      expect((await usage()).userTotal.used).toBe(1);
    });

    it('lets a retried rollback clear the way for the order when the first could not', async () => {
      await redeem('order-1').expect(201);
      // A rollback that reached the store, but whose job failed before it removed the redeem job.
      const service = t.app.get(RedemptionService);
      await service.rollback({ couponCode: 'SAVE10', userId: 'alice', orderId: 'order-1' });
      expect((await usage()).userTotal.used).toBe(0);

      expect((await rollback('order-1').expect(200)).body.status).toBe('already-rolled-back');
      await redeem('order-1').expect(201);
      expect((await usage()).userTotal.used).toBe(1);
    });

    it('refuses an order that was never accepted, or is another user’s', async () => {
      await redeem('order-1').expect(201);
      await redeem('order-2').expect(422);
      for (const [orderId, userId] of [
        ['never', 'alice'],
        ['order-2', 'alice'],
        ['order-1', 'bob'],
      ]) {
        const refused = await rollback(orderId!, userId).expect(404);
        expect(refused.body).toMatchObject({ status: 'rejected', reason: 'REDEMPTION_NOT_FOUND' });
      }
      expect((await usage()).userTotal.used).toBe(1);
    });

    it("leaves yesterday's daily count alone and gives back this week's", async () => {
      await redeem('order-1').expect(201);
      t.clock.set('2026-11-26T09:00:00Z');
      await redeem('order-2').expect(201);
      const body = (await rollback('order-1').expect(200)).body;
      expect(body.restored).toEqual({
        globalTotal: true,
        userTotal: true,
        userWeekly: true,
        userDaily: false,
      });
      expect(await usage()).toEqual({
        userTotal: { used: 1, held: 0, limit: 5, remaining: 4 },
        userDaily: { used: 1, held: 0, limit: 1, remaining: 0 },
        userWeekly: { used: 1, held: 0, limit: 3, remaining: 2 },
      });
    });

    it('answers bad rollback input with a 400 and fails bad job data at once', async () => {
      const bad = await t
        .post('/redemptions/rollback', { couponCode: 'SAVE10', userId: 'alice' })
        .expect(400);
      expect(bad.body.message).toEqual(['orderId must be a string of 1-128 characters']);
      const processor = t.app.get(RedemptionProcessor);
      const job = { name: JobName.Rollback, data: { couponCode: 'SAVE10', orderId: 7 } } as Job;
      await expect(processor.process(job)).rejects.toThrow(UnrecoverableError);
      await expect(processor.process(job)).rejects.toThrow(
        'Invalid rollback job data: orderId must be a string of 1-128 characters; userId must be a string of 1-128 characters',
      );
    });

    it('logs every attempt with its outcome and pages through the log, newest first', async () => {
      await redeem('order-1').expect(201);
      await redeem('order-2').expect(422);
      await t.post('/redemptions', { couponCode: 'SAVE10', userId: 'mallory', orderId: 'x' });
      await redeem('order-3', 'bob').expect(201);
      await rollback('order-1').expect(200);

      const all = await t.get('/coupons/save10/redemptions').expect(200);
      expect(
        all.body.items.map((e: Record<string, string>) =>
          [e.userId, e.orderId, e.status, e.reason ?? ''].join(' ').trim(),
        ),
      ).toEqual([
        'alice order-1 rolled-back',
        'bob order-3 accepted',
        'mallory x rejected USER_NOT_FOUND',
        'alice order-2 rejected USER_DAILY_LIMIT_REACHED',
        'alice order-1 accepted',
      ]);
      expect(all.body.items[0]).toMatchObject({
        couponCode: 'SAVE10',
        at: '2026-11-25T12:00:00.000Z',
      });
      expect(all.body.nextCursor).toBeNull();

      const rejected = await t
        .get('/coupons/SAVE10/redemptions?status=rejected&limit=1')
        .expect(200);
      expect(rejected.body.items).toHaveLength(1);
      expect(rejected.body.items[0].userId).toBe('mallory');
      const next = await t
        .get(
          `/coupons/SAVE10/redemptions?status=rejected&limit=1&cursor=${rejected.body.nextCursor}`,
        )
        .expect(200);
      expect(next.body.items[0].reason).toBe('USER_DAILY_LIMIT_REACHED');

      const bobs = await t.get('/coupons/SAVE10/redemptions?userId=bob').expect(200);
      expect(bobs.body.items.map((e: { orderId: string }) => e.orderId)).toEqual(['order-3']);
    });

    it.each([
      [
        'status=bogus',
        'status must be one of accepted, rejected, rolled-back, reserved, confirmed, released, expired',
      ],
      ['limit=0', 'limit must be a whole number from 1 to 100'],
      ['limit=101', 'limit must be a whole number from 1 to 100'],
      ['cursor=abc', 'cursor must be a nextCursor of this log'],
      ['userId=', 'userId must be a string of 1-128 characters'],
    ])('answers a bad log query (%s) with a 400', async (query, message) => {
      const response = await t.get(`/coupons/SAVE10/redemptions?${query}`).expect(400);
      expect(response.body.message).toEqual([message]);
    });
  },
);
