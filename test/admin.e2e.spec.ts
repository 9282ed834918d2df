import request from 'supertest';
import { startApp, VIEWER_TOKEN, type TestApp } from './helpers.js';

const COUPON = { code: 'SAVE10', discountPercentage: 10, expiresAt: '2026-12-31' };

describe.each(['memory', 'redis'] as const)('admin basics with the %s store', (store) => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startApp({ store });
  });
  afterEach(async () => t.close());

  const register = (id: string, email = `${id}@example.com`) =>
    t.post('/users', { id, name: `User ${id}`, email }).expect(201);
  const redeem = (userId: string, orderId: string, code = 'SAVE10') =>
    t.post('/redemptions', { couponCode: code, userId, orderId });
  const viewer = (test: request.Test) => test.set('Authorization', `Bearer ${VIEWER_TOKEN}`);

  describe('PATCH /users/:id', () => {
    it('changes name and email, keeping emails unique in any letter case', async () => {
      await register('alice');
      await register('bob');
      const changed = await t.patch('/users/alice', { name: 'Alice Smith' }).expect(200);
      expect(changed.body).toEqual({
        id: 'alice',
        name: 'Alice Smith',
        email: 'alice@example.com',
        createdAt: '2026-11-25T12:00:00.000Z',
      });
      const taken = await t.patch('/users/alice', { email: 'BOB@example.com' }).expect(409);
      expect(taken.body.message).toBe('Email BOB@example.com is already registered');
      await t.patch('/users/alice', { email: 'Alice@Example.com' }).expect(200);
      await t.patch('/users/alice', { email: 'a.smith@example.com' }).expect(200);
      expect((await t.get('/users/alice').expect(200)).body).toMatchObject({
        name: 'Alice Smith',
        email: 'a.smith@example.com',
      });
      // The old email is free again.
      await register('carol', 'ALICE@example.com');
    });

    it('answers 404 for an unknown user and 400 for a bad or empty body', async () => {
      await register('alice');
      await t.patch('/users/nobody', { name: 'X' }).expect(404);
      expect((await t.patch('/users/alice', {}).expect(400)).body.message).toEqual([
        'give at least one of name, email',
      ]);
      await t.patch('/users/alice', { email: 'not-an-email' }).expect(400);
      await t.patch('/users/alice', { name: '' }).expect(400);
      await t.patch('/users/alice', { name: null }).expect(400);
      await t.patch('/users/alice', { id: 'other' }).expect(400);
    });
  });

  describe('DELETE /users/:id', () => {
    it("erases the user's usage, outcomes and log entries, and keeps the coupon's global count", async () => {
      await t.post('/coupons', { ...COUPON, repeatCounts: { globalTotal: 10 } }).expect(201);
      await t.post('/coupons', { ...COUPON, code: 'OTHER' }).expect(201);
      await register('alice');
      await register('bob');
      await redeem('alice', 'o1').expect(201);
      await redeem('alice', 'o2', 'OTHER').expect(201);
      await redeem('bob', 'o3').expect(201);

      const erased = await t.delete('/users/alice').expect(200);
      expect(erased.body).toEqual({
        id: 'alice',
        erased: { usageCounters: 6, outcomes: 2, logEntries: 2 },
      });
      await t.get('/users/alice').expect(404);
      const log = await t.get('/coupons/SAVE10/redemptions').expect(200);
      expect(log.body.items.map((e: { userId: string }) => e.userId)).toEqual(['bob']);
      expect((await t.get('/coupons/OTHER/redemptions').expect(200)).body.items).toEqual([]);
      expect((await t.get('/coupons/SAVE10/repeat-counts').expect(200)).body).toMatchObject({
        globalUsed: 2,
        globalRemaining: 8,
      });
      // The erased order can no longer be rolled back.
      await t
        .post('/redemptions/rollback', { couponCode: 'SAVE10', userId: 'alice', orderId: 'o1' })
        .expect(404);
      // Nothing left: 404, and the email is free.
      await t.delete('/users/alice').expect(404);
      await register('alice2', 'alice@example.com');
    });
  });

  describe('DELETE /coupons/:code/usage/:userId', () => {
    it("sets one user's counts to 0 and answers the usage now; global count and outcomes stay", async () => {
      await t
        .post('/coupons', { ...COUPON, repeatCounts: { userTotal: 1, globalTotal: 5 } })
        .expect(201);
      await register('alice');
      await register('bob');
      await redeem('alice', 'o1').expect(201);
      await redeem('bob', 'o2').expect(201);
      expect((await redeem('alice', 'o3').expect(422)).body.reason).toBe(
        'USER_TOTAL_LIMIT_REACHED',
      );

      const forgiven = await t.delete('/coupons/save10/usage/alice').expect(200);
      expect(forgiven.body).toEqual({
        userTotal: { used: 0, held: 0, limit: 1, remaining: 1 },
        userDaily: { used: 0, held: 0, limit: null, remaining: null },
        userWeekly: { used: 0, held: 0, limit: null, remaining: null },
      });
      expect((await t.get('/coupons/SAVE10/usage/alice').expect(200)).body).toEqual(forgiven.body);
      expect((await t.get('/coupons/SAVE10/usage/bob').expect(200)).body.userTotal.used).toBe(1);
      expect((await t.get('/coupons/SAVE10/repeat-counts').expect(200)).body.globalUsed).toBe(2);
      // The first order's outcome stands: it replays, and a new order is accepted.
      expect((await redeem('alice', 'o1').expect(201)).body.status).toBe('accepted');
      await redeem('alice', 'o4').expect(201);
      await t.delete('/coupons/NOPE/usage/alice').expect(404);
      await t.delete('/coupons/SAVE10/usage/nobody').expect(404);
    });
  });

  it('lists coupons with globalUsed, globalHeld and globalRemaining', async () => {
    await t.post('/coupons', { ...COUPON, repeatCounts: { globalTotal: 3 } }).expect(201);
    await t.post('/coupons', { ...COUPON, code: 'UNLIMITED' }).expect(201);
    await register('alice');
    await redeem('alice', 'o1').expect(201);
    const page = await t.get('/coupons').expect(200);
    expect(
      page.body.items.map((c: Record<string, unknown>) => [
        c.code,
        c.globalUsed,
        c.globalHeld,
        c.globalRemaining,
      ]),
    ).toEqual([
      ['SAVE10', 1, 0, 2],
      ['UNLIMITED', 0, 0, null],
    ]);
  });

  it('refuses the new writes to the viewer token', async () => {
    await t.post('/coupons', COUPON).expect(201);
    await register('alice');
    const server = t.app.getHttpServer();
    await viewer(request(server).patch('/users/alice').send({ name: 'X' })).expect(403);
    await viewer(request(server).delete('/users/alice')).expect(403);
    await viewer(request(server).delete('/coupons/SAVE10/usage/alice')).expect(403);
    await t.get('/users/alice').expect(200);
  });
});
