import request from 'supertest';
import type { AppConfig } from '../src/config/app-config.js';
import { startApp, TOKEN, VIEWER_TOKEN, type TestApp } from './helpers.js';

/**
 * What the admin console reads: who is signed in, coupons found by the start of their code with
 * their status now, a coupon's busiest users of the day and week, and its live checkout holds.
 * Uses and holds are made over REST (the in-process worker decides them at the test clock's time).
 */
const NOW = '2026-11-25T12:00:00.000Z'; // a Wednesday, in ISO week 2026-W48
const at = (seconds: number) => new Date(Date.parse(NOW) + seconds * 1000).toISOString();

describe.each([
  ['memory store', { store: 'memory' }],
  ['redis store', { store: 'redis' }],
] as [string, Partial<AppConfig>][])('console views (%s)', (_label, store) => {
  let t: TestApp;
  const server = () => t.app.getHttpServer();
  const asViewer = (path: string) =>
    request(server()).get(path).set('Authorization', `Bearer ${VIEWER_TOKEN}`);

  beforeAll(async () => {
    t = await startApp({ ...store, requireRegisteredUsers: false, redemptionWaitMs: 5000 }, NOW);
  });
  afterAll(async () => t?.close());
  beforeEach(() => t.clock.set(NOW));

  const createCoupon = (code: string, fields: object = {}) =>
    t
      .post('/coupons', { code, discountPercentage: 10, expiresAt: '2026-12-31', ...fields })
      .expect(201);
  const redeem = (couponCode: string, userId: string, orderId: string) =>
    t.post('/redemptions', { couponCode, userId, orderId }).expect(201);
  const reserve = (couponCode: string, userId: string, orderId: string, ttlSeconds = 900) =>
    t.post('/reservations', { couponCode, userId, orderId, ttlSeconds }).expect(201);
  const codesOf = (body: { items: { code: string }[] }) => body.items.map((item) => item.code);

  describe('GET /session', () => {
    it('names the role of the token: admin or viewer; 401 without a valid one', async () => {
      expect((await t.get('/session').expect(200)).body).toEqual({ role: 'admin' });
      expect((await asViewer('/session').expect(200)).body).toEqual({ role: 'viewer' });
      await request(server()).get('/session').expect(401);
      const wrong = await request(server())
        .get('/session')
        .set('Authorization', `Bearer ${TOKEN}x`)
        .expect(401);
      expect(wrong.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    });
  });

  describe('GET /coupons?q=', () => {
    it('finds the coupons whose code starts with q, in any letter case, with paging over them', async () => {
      for (const code of ['QSAVE20', 'QSAVE10', 'QSAVER', 'QSALE5', 'QOTHER']) {
        await createCoupon(code);
      }
      const all = await t.get('/coupons?q=qsave').expect(200);
      expect(codesOf(all.body)).toEqual(['QSAVE10', 'QSAVE20', 'QSAVER']);
      expect(all.body.total).toBe(3);
      // Each item is a full list item, as without q.
      expect(all.body.items[0]).toMatchObject({
        code: 'QSAVE10',
        status: 'active',
        globalUsed: 0,
        globalHeld: 0,
        globalRemaining: null,
      });

      const second = await t.get('/coupons?q=QsAvE&limit=1&offset=1').expect(200);
      expect(second.body).toMatchObject({ total: 3 });
      expect(codesOf(second.body)).toEqual(['QSAVE20']);
      const past = await t.get('/coupons?q=QSAVE&offset=3').expect(200);
      expect(past.body).toEqual({ items: [], total: 3 });

      expect((await t.get('/coupons?q=QSA').expect(200)).body.total).toBe(4);
      expect(codesOf((await t.get('/coupons?q=QSAVE10').expect(200)).body)).toEqual(['QSAVE10']);
      // A prefix, not a substring.
      expect((await t.get('/coupons?q=SAVE').expect(200)).body).toEqual({ items: [], total: 0 });
      expect((await t.get('/coupons?q=QSAVE100').expect(200)).body).toEqual({
        items: [],
        total: 0,
      });
      // Without q, every coupon (those of other tests too).
      const unfiltered = await t.get('/coupons?limit=100').expect(200);
      expect(codesOf(unfiltered.body)).toEqual(
        expect.arrayContaining(['QSAVE10', 'QSAVE20', 'QSAVER', 'QSALE5', 'QOTHER']),
      );
    });

    it.each([
      ['empty', ''],
      ['a space', 'Q%20SAVE'],
      ['a wildcard', 'QSAVE*'],
      ['a range bracket', '%5BQ'],
      ['a letter outside ASCII', 'Q%C3%84'],
      ['65 characters', 'Q'.repeat(65)],
    ])('400 for q with %s', async (_name, q) => {
      const response = await t.get(`/coupons?q=${q}`).expect(400);
      expect(response.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: ['q must be 1-64 letters, digits, _ or -'],
      });
    });

    it('takes q of 64 characters, and _ and -', async () => {
      await t.get(`/coupons?q=${'Q'.repeat(64)}`).expect(200);
      await createCoupon('Q_DASH-1');
      expect(codesOf((await t.get('/coupons?q=q_dash-').expect(200)).body)).toEqual(['Q_DASH-1']);
    });
  });

  describe('status', () => {
    it('is scheduled, active, expired or inactive at the time of the request, on every coupon answer', async () => {
      const created = await createCoupon('STATUS1', {
        startsAt: '2026-11-26',
        expiresAt: '2026-11-27',
      });
      expect(created.body.status).toBe('scheduled');
      const status = async () => ({
        one: (await t.get('/coupons/STATUS1').expect(200)).body.status,
        listed: (await t.get('/coupons?q=STATUS1').expect(200)).body.items[0].status,
      });
      expect(await status()).toEqual({ one: 'scheduled', listed: 'scheduled' });

      t.clock.set('2026-11-25T23:59:59.999Z');
      expect(await status()).toEqual({ one: 'scheduled', listed: 'scheduled' });
      t.clock.set('2026-11-26T00:00:00.000Z');
      expect(await status()).toEqual({ one: 'active', listed: 'active' });
      t.clock.set('2026-11-27T23:59:59.999Z');
      expect(await status()).toEqual({ one: 'active', listed: 'active' });
      t.clock.set('2026-11-28T00:00:00.000Z');
      expect(await status()).toEqual({ one: 'expired', listed: 'expired' });

      const off = await t.patch('/coupons/STATUS1', { active: false }).expect(200);
      expect(off.body.status).toBe('inactive');
      expect(await status()).toEqual({ one: 'inactive', listed: 'inactive' });
      t.clock.set(NOW); // before its start, still switched off
      expect(await status()).toEqual({ one: 'inactive', listed: 'inactive' });
      const on = await t.patch('/coupons/STATUS1', { active: true }).expect(200);
      expect(on.body.status).toBe('scheduled');
    });
  });

  describe('GET /coupons/:code/busiest-users', () => {
    it('ranks users by uses counted today and this week; atLimit adds uses held; a new day and week start empty', async () => {
      await createCoupon('BUSY', { repeatCounts: { userDaily: 2 } });
      await redeem('BUSY', 'alice', 'a1');
      await redeem('busy', 'alice', 'a2');
      await redeem('BUSY', 'carol', 'c1');
      await redeem('BUSY', 'bob', 'b1');
      await reserve('BUSY', 'bob', 'b2', 600); // bob: 1 counted + 1 held = his daily 2
      await reserve('BUSY', 'dave', 'd1', 600);
      await reserve('BUSY', 'dave', 'd2', 600); // dave: 2 held, none counted
      await reserve('BUSY', 'erin', 'e1', 600); // erin: 1 held

      const today = {
        couponCode: 'BUSY',
        day: {
          period: '2026-11-25',
          limit: 2,
          atLimit: 3, // alice (counted), bob (counted + held), dave (held)
          users: [
            { userId: 'alice', used: 2 },
            { userId: 'bob', used: 1 },
            { userId: 'carol', used: 1 },
          ],
        },
        week: {
          period: '2026-W48',
          limit: null,
          atLimit: 0,
          users: [
            { userId: 'alice', used: 2 },
            { userId: 'bob', used: 1 },
            { userId: 'carol', used: 1 },
          ],
        },
      };
      expect((await t.get('/coupons/busy/busiest-users').expect(200)).body).toEqual(today);
      const top2 = (await t.get('/coupons/BUSY/busiest-users?limit=2').expect(200)).body;
      expect(top2.day.users).toEqual(today.day.users.slice(0, 2));
      expect(top2.week.users).toEqual(today.week.users.slice(0, 2));
      expect(top2.day.atLimit).toBe(3);

      await t.put('/coupons/BUSY/repeat-counts', { userWeekly: 2 }).expect(200);
      // The next day: the holds (10 minutes) have expired, and nothing has run since to drop them.
      t.clock.set('2026-11-26T09:00:00.000Z');
      expect((await t.get('/coupons/BUSY/busiest-users').expect(200)).body).toEqual({
        couponCode: 'BUSY',
        day: { period: '2026-11-26', limit: 2, atLimit: 0, users: [] },
        week: { ...today.week, limit: 2, atLimit: 1 }, // alice; bob's and dave's holds ended
      });
      expect((await t.get('/coupons/BUSY/holds').expect(200)).body).toEqual({
        items: [],
        total: 0,
      });

      await redeem('BUSY', 'carol', 'c2');
      await reserve('BUSY', 'bob', 'b3');
      const thursday = (await t.get('/coupons/BUSY/busiest-users').expect(200)).body;
      expect(thursday.day).toEqual({
        period: '2026-11-26',
        limit: 2,
        atLimit: 0,
        users: [{ userId: 'carol', used: 1 }],
      });
      expect(thursday.week).toEqual({
        period: '2026-W48',
        limit: 2,
        atLimit: 3, // alice and carol (counted), bob (1 counted + 1 held)
        users: [
          { userId: 'alice', used: 2 },
          { userId: 'carol', used: 2 },
          { userId: 'bob', used: 1 },
        ],
      });

      // Monday: a new day and a new ISO week.
      t.clock.set('2026-11-30T00:00:00.000Z');
      expect((await t.get('/coupons/BUSY/busiest-users').expect(200)).body).toEqual({
        couponCode: 'BUSY',
        day: { period: '2026-11-30', limit: 2, atLimit: 0, users: [] },
        week: { period: '2026-W49', limit: 2, atLimit: 0, users: [] },
      });
    });

    it('400 for a bad limit, 404 for an unknown coupon', async () => {
      await createCoupon('BUSY400');
      for (const limit of ['0', '101', 'ten', '1.5']) {
        const response = await t.get(`/coupons/BUSY400/busiest-users?limit=${limit}`).expect(400);
        expect(response.body.message).toEqual(['limit must be a whole number from 1 to 100']);
      }
      // 10 users by default.
      for (let i = 10; i < 22; i++) await redeem('BUSY400', `u${i}`, `o${i}`);
      const users = (await t.get('/coupons/BUSY400/busiest-users').expect(200)).body.day.users;
      expect(users).toHaveLength(10);
      expect(users[9]).toEqual({ userId: 'u19', used: 1 });
      const all = await t.get('/coupons/BUSY400/busiest-users?limit=100').expect(200);
      expect(all.body.week.users).toHaveLength(12);
      const missing = await t.get('/coupons/NO-SUCH/busiest-users').expect(404);
      expect(missing.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'Coupon NO-SUCH not found',
      });
    });
  });

  describe('GET /coupons/:code/holds', () => {
    it('lists live holds soonest expiry first, with total and the unique code; expired ones leave without a sweeper', async () => {
      await createCoupon('HOLDS');
      await t.post('/coupons/HOLDS/code-batches', { count: 2 }).expect(201);
      const page = await t.get('/coupons/HOLDS/code-batches/1/codes?limit=1').expect(200);
      const unique = page.body.items[0] as string;

      await reserve('HOLDS', 'bob', 'o-b', 600);
      await reserve('HOLDS', 'carol', 'o-c', 300);
      t.clock.set(at(10));
      await reserve(unique.toLowerCase(), 'alice', 'o-a', 290); // ends with o-c
      t.clock.set(NOW);

      const all = (await t.get('/coupons/holds/holds').expect(200)).body;
      expect(all).toEqual({
        total: 3,
        items: [
          {
            orderId: 'o-a',
            userId: 'alice',
            uniqueCode: unique,
            reservedAt: at(10),
            expiresAt: at(300),
          },
          { orderId: 'o-c', userId: 'carol', reservedAt: NOW, expiresAt: at(300) },
          { orderId: 'o-b', userId: 'bob', reservedAt: NOW, expiresAt: at(600) },
        ],
      });
      expect((await t.get('/coupons/HOLDS/holds?limit=2').expect(200)).body).toEqual({
        total: 3,
        items: all.items.slice(0, 2),
      });

      // At expiresAt a hold counts no more (holds.isLive): it leaves the list, and the read drops
      // nothing, so the log has no `expired` entry until a counting step drops it.
      t.clock.set(at(300));
      expect((await t.get('/coupons/HOLDS/holds').expect(200)).body).toEqual({
        total: 1,
        items: [all.items[2]],
      });
      const expired = await t.get('/coupons/HOLDS/redemptions?status=expired').expect(200);
      expect(expired.body.items).toEqual([]);

      await t.delete('/reservations/HOLDS/o-b').expect(200);
      expect((await t.get('/coupons/HOLDS/holds').expect(200)).body).toEqual({
        items: [],
        total: 0,
      });
    });

    it('400 for a bad limit, 404 for an unknown coupon', async () => {
      await createCoupon('HOLDS400');
      for (const limit of ['0', '101', 'x']) {
        const response = await t.get(`/coupons/HOLDS400/holds?limit=${limit}`).expect(400);
        expect(response.body.message).toEqual(['limit must be a whole number from 1 to 100']);
      }
      expect((await t.get('/coupons/HOLDS400/holds').expect(200)).body).toEqual({
        items: [],
        total: 0,
      });
      // 20 holds by default.
      for (let i = 10; i < 31; i++) await reserve('HOLDS400', `u${i}`, `o${i}`);
      const page = (await t.get('/coupons/HOLDS400/holds').expect(200)).body;
      expect(page.total).toBe(21);
      expect(page.items).toHaveLength(20);
      expect(
        (await t.get('/coupons/HOLDS400/holds?limit=100').expect(200)).body.items,
      ).toHaveLength(21);
      const missing = await t.get('/coupons/NO-SUCH/holds').expect(404);
      expect(missing.body.message).toBe('Coupon NO-SUCH not found');
    });
  });

  it('lets the viewer token read every view', async () => {
    await createCoupon('VIEWS1');
    await reserve('VIEWS1', 'alice', 'v1');
    await redeem('VIEWS1', 'bob', 'v2');
    expect((await asViewer('/coupons?q=views').expect(200)).body).toMatchObject({
      total: 1,
      items: [{ code: 'VIEWS1', status: 'active', globalUsed: 1, globalHeld: 1 }],
    });
    expect((await asViewer('/coupons/VIEWS1').expect(200)).body.status).toBe('active');
    const busiest = (await asViewer('/coupons/VIEWS1/busiest-users').expect(200)).body;
    expect(busiest.day.users).toEqual([{ userId: 'bob', used: 1 }]);
    const holds = (await asViewer('/coupons/VIEWS1/holds').expect(200)).body;
    expect(holds).toMatchObject({ total: 1, items: [{ orderId: 'v1', userId: 'alice' }] });
  });
});
