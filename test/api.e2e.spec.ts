import request from 'supertest';
import { JobName, redemptionJobId } from '../src/redemptions/redemption.contract.js';
import { jobsFinished, startApp, TOKEN, VIEWER_TOKEN, type TestApp } from './helpers.js';

const COUPON = { code: 'save10', discountPercentage: 10, expiresAt: '2026-12-31' };
const NOTHING_HELD = { globalTotal: 0, userTotal: 0, userWeekly: 0, userDaily: 0 };

describe('REST API', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startApp();
  });
  afterEach(async () => t.close());

  const register = (id: string) =>
    t.post('/users', { id, name: `User ${id}`, email: `${id}@example.com` }).expect(201);
  const redeem = (body: object) => t.post('/redemptions', body);

  it.each(['memory', 'redis'] as const)(
    "runs the older service's flow with the %s store: create coupon, create user, set counts, redeem, lower a count",
    async (store) => {
      await t.close();
      t = await startApp({ store });
      const created = await t.post('/coupons', COUPON).expect(201);
      expect(created.body).toEqual({
        code: 'SAVE10',
        discountPercentage: 10,
        startsAt: null,
        expiresAt: '2026-12-31T23:59:59.999Z',
        active: true,
        status: 'active',
        description: null,
        repeatCounts: { globalTotal: null, userTotal: null, userDaily: null, userWeekly: null },
        createdAt: '2026-11-25T12:00:00.000Z',
        updatedAt: '2026-11-25T12:00:00.000Z',
      });
      await register('alice');
      const counts = await t.put('/coupons/SAVE10/repeat-counts', {
        userTotal: 5,
        globalTotal: 1000,
        userDaily: 3,
        userWeekly: 3,
      });
      expect(counts.status).toBe(200);
      expect(counts.body).toEqual({
        globalTotal: 1000,
        userTotal: 5,
        userDaily: 3,
        userWeekly: 3,
        globalUsed: 0,
        globalHeld: 0,
        globalRemaining: 1000,
      });

      const accepted = await redeem({
        couponCode: 'save10',
        userId: 'alice',
        orderId: 'order-1',
      }).expect(201);
      expect(accepted.body).toEqual({
        status: 'accepted',
        couponCode: 'SAVE10',
        userId: 'alice',
        orderId: 'order-1',
        discountPercentage: 10,
        remaining: { globalTotal: 999, userTotal: 4, userWeekly: 2, userDaily: 2 },
        processedAt: '2026-11-25T12:00:00.000Z',
      });

      await t.put('/coupons/SAVE10/repeat-counts', { userDaily: 1 }).expect(200);
      const rejected = await redeem({
        couponCode: 'SAVE10',
        userId: 'alice',
        orderId: 'order-2',
      }).expect(422);
      expect(rejected.body).toMatchObject({
        status: 'rejected',
        reason: 'USER_DAILY_LIMIT_REACHED',
        remaining: { globalTotal: 999, userTotal: 4, userWeekly: 2, userDaily: 0 },
      });
      expect(rejected.body.discountPercentage).toBeUndefined();

      const usage = await t.get('/coupons/save10/usage/alice').expect(200);
      expect(usage.body).toEqual({
        userTotal: { used: 1, held: 0, limit: 5, remaining: 4 },
        userDaily: { used: 1, held: 0, limit: 1, remaining: 0 },
        userWeekly: { used: 1, held: 0, limit: 3, remaining: 2 },
      });
      expect((await t.get('/coupons/SAVE10/repeat-counts').expect(200)).body).toMatchObject({
        globalUsed: 1,
        globalRemaining: 999,
      });
    },
  );

  describe('authentication', () => {
    it.each([
      ['no header', undefined],
      ['a wrong token', 'Bearer wrong-token-wrong-token'],
      ['another scheme', 'Basic dGVzdA=='],
    ])('answers 401 with %s', async (_name, header) => {
      const call = request(t.app.getHttpServer()).get('/coupons');
      const response = await (header ? call.set('Authorization', header) : call).expect(401);
      expect(response.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Send Authorization: Bearer <ADMIN_TOKEN>',
      });
    });
  });

  it('sends security headers and no CORS headers', async () => {
    const response = await t.get('/coupons').set('Origin', 'https://elsewhere.example').expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toBeDefined();
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers browsers from the configured origins only', async () => {
    const cors = await startApp({ corsOrigins: ['https://admin.example.com'] });
    try {
      const allowed = await cors
        .get('/coupons')
        .set('Origin', 'https://admin.example.com')
        .expect(200);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://admin.example.com');
      const other = await cors
        .get('/coupons')
        .set('Origin', 'https://elsewhere.example')
        .expect(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await cors.close();
    }
  });

  describe('rate limits', () => {
    it('answers 429 with Retry-After past RATE_LIMIT_PER_MINUTE', async () => {
      const limited = await startApp({ rateLimitPerMinute: 5 });
      try {
        for (let i = 0; i < 5; i++) await limited.get('/coupons').expect(200);
        const response = await limited.get('/coupons').expect(429);
        expect(response.body).toEqual({
          statusCode: 429,
          error: 'Too Many Requests',
          message: 'Too many requests; slow down',
        });
        expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(60);
      } finally {
        await limited.close();
      }
    });

    it('locks out further failed authentications from an address past AUTH_FAILURES_PER_MINUTE, on the API and the dashboard, but never the right token', async () => {
      const limited = await startApp({ authFailuresPerMinute: 3 });
      try {
        const server = limited.app.getHttpServer();
        for (let i = 0; i < 2; i++) {
          await request(server)
            .get('/coupons')
            .set('Authorization', 'Bearer wrong-token-wrong-token')
            .expect(401);
        }
        await request(server)
          .get('/queues/api/queues')
          .auth('guess', 'wrong-token-wrong-token')
          .expect(401);
        // Wrong or missing tokens are locked out now until the minute is over.
        const locked = await request(server).get('/coupons').expect(429);
        expect(locked.body.message).toBe(
          'Too many failed authentications; wait before trying again',
        );
        expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        const dashboard = await request(server)
          .get('/queues/api/queues')
          .auth('guess', 'wrong-token-wrong-token')
          .expect(429);
        expect(Number(dashboard.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        // The right token still gets in, on both.
        await limited.get('/coupons').expect(200);
        await request(server).get('/queues/api/queues').auth('ops', TOKEN).expect(200);
        // Open routes stay open.
        await request(server).get('/health/live').expect(200);
      } finally {
        await limited.close();
      }
    });
  });

  describe('roles', () => {
    const as = (token: string) => (test: request.Test) =>
      test.set('Authorization', `Bearer ${token}`);
    const viewer = as(VIEWER_TOKEN);

    it('lets the viewer token read and nothing else, and changes nothing', async () => {
      await t.post('/coupons', COUPON).expect(201);
      const server = t.app.getHttpServer();
      await viewer(request(server).get('/coupons/SAVE10')).expect(200);
      await viewer(request(server).get('/users')).expect(200);
      for (const call of [
        request(server)
          .post('/coupons')
          .send({ ...COUPON, code: 'OTHER' }),
        request(server).patch('/coupons/SAVE10').send({ active: false }),
        request(server).put('/coupons/SAVE10/repeat-counts').send({ userTotal: 1 }),
        request(server).delete('/coupons/SAVE10'),
        request(server).post('/redemptions').send({ couponCode: 'SAVE10', userId: 'alice' }),
        request(server).post('/admin/resets/daily'),
      ]) {
        const response = await viewer(call).expect(403);
        expect(response.body).toEqual({
          statusCode: 403,
          error: 'Forbidden',
          message: 'The viewer token may only read (GET)',
        });
      }
      expect((await t.get('/coupons').expect(200)).body.total).toBe(1);
      expect((await t.get('/coupons/SAVE10').expect(200)).body).toMatchObject({
        active: true,
        repeatCounts: { userTotal: null },
      });
    });
  });

  describe('coupons', () => {
    it('refuses a taken code in any letter case with 409', async () => {
      await t.post('/coupons', COUPON).expect(201);
      const conflict = await t.post('/coupons', { ...COUPON, code: 'Save10' }).expect(409);
      expect(conflict.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: 'Coupon SAVE10 already exists',
      });
    });

    it.each([
      [{ ...COUPON, expiresAt: '2026-11-24' }, 'expiresAt must be in the future'],
      [{ ...COUPON, expiresAt: '2026-02-30' }, 'expiresAt must be a real date'],
      [
        { ...COUPON, discountPercentage: 0 },
        'discountPercentage must be a number above 0 and at most 100',
      ],
      [
        { ...COUPON, discountPercentage: 100.5 },
        'discountPercentage must be a number above 0 and at most 100',
      ],
      [{ ...COUPON, discountPercentage: '10' }, 'discountPercentage must be a number'],
      [
        { ...COUPON, code: 'ab' },
        'code must be a string of 3-64 characters: letters, digits, _ and -',
      ],
      [
        { ...COUPON, code: 'bad code!' },
        'code must be a string of 3-64 characters: letters, digits, _ and -',
      ],
      [
        { ...COUPON, repeatCounts: { userTotal: -1 } },
        'repeatCounts.userTotal must be a whole number from 0 to 2147483647, or null for unlimited',
      ],
      [
        { ...COUPON, repeatCounts: { userDaily: 1.5 } },
        'repeatCounts.userDaily must be a whole number from 0 to 2147483647, or null for unlimited',
      ],
      [
        { ...COUPON, repeatCounts: { globalTotal: 2 ** 31 } },
        'repeatCounts.globalTotal must be a whole number from 0 to 2147483647, or null for unlimited',
      ],
      [
        { ...COUPON, repeatCounts: { monthly: 2 } },
        'repeatCounts.property monthly should not exist',
      ],
      [{ ...COUPON, owner: 'me' }, 'property owner should not exist'],
      [{ ...COUPON, startsAt: '2027-01-05' }, 'startsAt must be before expiresAt'],
      [
        { ...COUPON, description: 'x'.repeat(501) },
        'description must be null or a string of at most 500 characters',
      ],
      [{ code: 'NOEXP', discountPercentage: 5 }, 'expiresAt must be a real date'],
    ])('answers 400 to %j', async (body, message) => {
      const response = await t.post('/coupons', body).expect(400);
      expect(response.body.statusCode).toBe(400);
      expect(response.body.error).toBe('Bad Request');
      expect(response.body.message.join('\n')).toContain(message);
      await t.get('/coupons').expect(200, { items: [], total: 0 });
    });

    it('names every bad field at once', async () => {
      const response = await t
        .post('/coupons', { code: 'x', discountPercentage: -1, expiresAt: 'soon' })
        .expect(400);
      expect(response.body.message).toHaveLength(3);
    });

    it('reports a past expiry and a start after the expiry together with the bad fields', async () => {
      const pastExpiry = await t
        .post('/coupons', { code: 'x', discountPercentage: 0, expiresAt: '2026-11-24' })
        .expect(400);
      expect(pastExpiry.body.message).toEqual([
        'code must be a string of 3-64 characters: letters, digits, _ and -',
        'discountPercentage must be a number above 0 and at most 100',
        'expiresAt must be in the future',
      ]);
      const lateStart = await t
        .post('/coupons', { ...COUPON, description: 5, startsAt: '2027-01-05' })
        .expect(400);
      expect(lateStart.body.message).toEqual([
        'description must be null or a string of at most 500 characters',
        'startsAt must be before expiresAt',
      ]);
      const update = await t
        .patch('/coupons/SAVE10', { active: 'yes', expiresAt: '2026-01-01' })
        .expect(400);
      expect(update.body.message).toEqual([
        'active must be true or false',
        'expiresAt must be in the future',
      ]);
      await t.get('/coupons').expect(200, { items: [], total: 0 });
    });

    it('answers 400 to a body that is not JSON', async () => {
      const response = await t
        .post('/coupons')
        .set('Content-Type', 'application/json')
        .send('{"code":')
        .expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    });

    it('pages through coupons by code', async () => {
      for (const code of ['CCC', 'AAA', 'BBB'])
        await t.post('/coupons', { ...COUPON, code }).expect(201);
      const page = await t.get('/coupons?limit=2&offset=1').expect(200);
      expect(page.body.total).toBe(3);
      expect(page.body.items.map((c: { code: string }) => c.code)).toEqual(['BBB', 'CCC']);
      expect((await t.get('/coupons').expect(200)).body.items).toHaveLength(3);
    });

    it.each([
      'limit=0',
      'limit=101',
      'limit=abc',
      'limit=1.5',
      'offset=-1',
      'offset=',
      'sort=code',
    ])('answers 400 to ?%s', async (query) => {
      await t.get(`/coupons?${query}`).expect(400);
    });

    it('updates the fields an admin may change and keeps the rest', async () => {
      await t
        .post('/coupons', { ...COUPON, description: 'winter sale', repeatCounts: { userTotal: 2 } })
        .expect(201);
      const patched = await t
        .patch('/coupons/save10', {
          discountPercentage: 15,
          active: false,
          description: null,
          startsAt: '2026-12-01',
        })
        .expect(200);
      expect(patched.body).toMatchObject({
        code: 'SAVE10',
        discountPercentage: 15,
        active: false,
        description: null,
        startsAt: '2026-12-01T00:00:00.000Z',
        expiresAt: '2026-12-31T23:59:59.999Z',
        repeatCounts: { userTotal: 2 },
      });
      expect((await t.get('/coupons/SAVE10').expect(200)).body).toEqual(patched.body);
    });

    it.each([
      [{}, 'give at least one of'],
      [{ code: 'OTHER' }, 'property code should not exist'],
      [{ repeatCounts: { userTotal: 1 } }, 'property repeatCounts should not exist'],
      [{ expiresAt: null }, 'expiresAt must be a real date'],
      [{ discountPercentage: 101 }, 'discountPercentage must be a number above 0 and at most 100'],
      [{ startsAt: '2027-02-01' }, 'startsAt must be before expiresAt'],
    ])('refuses the update %j with 400 and changes nothing', async (body, message) => {
      const created = await t.post('/coupons', COUPON).expect(201);
      const response = await t.patch('/coupons/SAVE10', body).expect(400);
      expect(response.body.message.join('\n')).toContain(message);
      expect((await t.get('/coupons/SAVE10').expect(200)).body).toEqual(created.body);
    });

    it('answers 404 for an unknown coupon on every coupon route', async () => {
      for (const call of [
        t.get('/coupons/NOPE'),
        t.patch('/coupons/NOPE', { active: false }),
        t.delete('/coupons/NOPE'),
        t.get('/coupons/NOPE/repeat-counts'),
        t.put('/coupons/NOPE/repeat-counts', { userTotal: 1 }),
        t.get('/coupons/NOPE/usage/alice'),
      ]) {
        const response = await call.expect(404);
        expect(response.body).toEqual({
          statusCode: 404,
          error: 'Not Found',
          message: 'Coupon NOPE not found',
        });
      }
    });

    it('deletes a coupon with 204', async () => {
      await t.post('/coupons', COUPON).expect(201);
      await t.delete('/coupons/save10').expect(204);
      await t.get('/coupons/SAVE10').expect(404);
    });
  });

  describe('repeat counts', () => {
    beforeEach(async () => {
      await t
        .post('/coupons', { ...COUPON, repeatCounts: { globalTotal: 10, userTotal: 3 } })
        .expect(201);
    });

    it('changes only the fields given; null means unlimited', async () => {
      const response = await t
        .put('/coupons/SAVE10/repeat-counts', { globalTotal: null, userDaily: 0 })
        .expect(200);
      expect(response.body).toEqual({
        globalTotal: null,
        userTotal: 3,
        userDaily: 0,
        userWeekly: null,
        globalUsed: 0,
        globalHeld: 0,
        globalRemaining: null,
      });
    });

    it.each([
      [
        { userTotal: -1 },
        'userTotal must be a whole number from 0 to 2147483647, or null for unlimited',
      ],
      [
        { userTotal: 2.5 },
        'userTotal must be a whole number from 0 to 2147483647, or null for unlimited',
      ],
      [
        { userTotal: '3' },
        'userTotal must be a whole number from 0 to 2147483647, or null for unlimited',
      ],
      [{ weekly: 3 }, 'property weekly should not exist'],
      [{}, 'give at least one of'],
    ])('refuses %j with 400 and changes nothing', async (body, message) => {
      const response = await t.put('/coupons/SAVE10/repeat-counts', body).expect(400);
      expect(response.body.message.join('\n')).toContain(message);
      expect((await t.get('/coupons/SAVE10/repeat-counts').expect(200)).body).toMatchObject({
        globalTotal: 10,
        userTotal: 3,
      });
    });

    it('never shows a negative remaining after a limit is lowered below the uses', async () => {
      await register('alice');
      for (const orderId of ['o1', 'o2']) {
        await redeem({ couponCode: 'SAVE10', userId: 'alice', orderId }).expect(201);
      }
      await t.put('/coupons/SAVE10/repeat-counts', { userTotal: 1, globalTotal: 1 }).expect(200);
      const usage = await t.get('/coupons/SAVE10/usage/alice').expect(200);
      expect(usage.body.userTotal).toEqual({ used: 2, held: 0, limit: 1, remaining: 0 });
      expect((await t.get('/coupons/SAVE10/repeat-counts')).body).toMatchObject({
        globalUsed: 2,
        globalRemaining: 0,
      });
      await t.put('/coupons/SAVE10/repeat-counts', { userTotal: 5, globalTotal: 5 }).expect(200);
      await redeem({ couponCode: 'SAVE10', userId: 'alice', orderId: 'o3' }).expect(201);
    });
  });

  describe('validate', () => {
    beforeEach(async () => {
      await t
        .post('/coupons', { ...COUPON, repeatCounts: { globalTotal: 2, userDaily: 1 } })
        .expect(201);
      await register('alice');
    });

    it('answers what a redemption would get, consuming nothing', async () => {
      const before = await t.get('/coupons/save10/validate?userId=alice').expect(200);
      expect(before.body).toEqual({
        valid: true,
        remaining: { globalTotal: 2, userTotal: null, userWeekly: null, userDaily: 1 },
        held: NOTHING_HELD,
      });
      await t.get('/coupons/save10/validate?userId=alice').expect(200, before.body);
      await redeem({ couponCode: 'SAVE10', userId: 'alice' }).expect(201);
      const after = await t.get('/coupons/save10/validate?userId=alice').expect(200);
      expect(after.body).toEqual({
        valid: false,
        reason: 'USER_DAILY_LIMIT_REACHED',
        remaining: { globalTotal: 1, userTotal: null, userWeekly: null, userDaily: 0 },
        held: NOTHING_HELD,
      });
    });

    it('applies only the coupon-level rules without a userId', async () => {
      expect((await t.get('/coupons/SAVE10/validate').expect(200)).body).toMatchObject({
        valid: true,
      });
      await t.patch('/coupons/SAVE10', { active: false }).expect(200);
      expect((await t.get('/coupons/SAVE10/validate').expect(200)).body).toMatchObject({
        valid: false,
        reason: 'COUPON_INACTIVE',
      });
    });

    it('reports unknown coupons and users as reasons', async () => {
      expect((await t.get('/coupons/NOPE/validate').expect(200)).body).toMatchObject({
        valid: false,
        reason: 'COUPON_NOT_FOUND',
      });
      expect((await t.get('/coupons/SAVE10/validate?userId=bob').expect(200)).body).toMatchObject({
        valid: false,
        reason: 'USER_NOT_FOUND',
      });
    });

    it('answers 400 to a userId over 128 characters', async () => {
      await t.get(`/coupons/SAVE10/validate?userId=${'x'.repeat(129)}`).expect(400);
    });
  });

  describe('users', () => {
    it('registers, lists and reads users', async () => {
      const created = await register('alice');
      expect(created.body).toEqual({
        id: 'alice',
        name: 'User alice',
        email: 'alice@example.com',
        createdAt: '2026-11-25T12:00:00.000Z',
      });
      await register('bob');
      expect((await t.get('/users?limit=1').expect(200)).body).toEqual({
        items: [created.body],
        total: 2,
      });
      await t.get('/users/alice').expect(200, created.body);
      await t.get('/users/carol').expect(404);
    });

    it('refuses a taken id or email with 409', async () => {
      await register('alice');
      await t.post('/users', { id: 'alice', name: 'A', email: 'other@example.com' }).expect(409);
      const taken = await t
        .post('/users', { id: 'alice2', name: 'A', email: 'ALICE@example.com' })
        .expect(409);
      expect(taken.body.message).toBe('Email ALICE@example.com is already registered');
      expect((await t.get('/users').expect(200)).body.total).toBe(1);
    });

    it.each([
      [{ id: '', name: 'A', email: 'a@example.com' }, 'id must be a string of 1-128 characters'],
      [
        { id: 'x'.repeat(129), name: 'A', email: 'a@example.com' },
        'id must be a string of 1-128 characters',
      ],
      [
        { id: 'a', name: 'A', email: 'not-an-email' },
        'email must be an email address of at most 254 characters',
      ],
      [{ id: 'a', name: 'A' }, 'email must be an email address of at most 254 characters'],
      [
        { id: 'a', name: 'A', email: 'a@example.com', admin: true },
        'property admin should not exist',
      ],
    ])('refuses %j with 400', async (body, message) => {
      const response = await t.post('/users', body).expect(400);
      expect(response.body.message.join('\n')).toContain(message);
      expect((await t.get('/users').expect(200)).body.total).toBe(0);
    });
  });

  describe('redemptions', () => {
    beforeEach(async () => {
      await t.post('/coupons', { ...COUPON, repeatCounts: { userTotal: 1 } }).expect(201);
      await register('alice');
    });

    it('rejects a userId that was never registered', async () => {
      const response = await redeem({ couponCode: 'SAVE10', userId: 'mallory' }).expect(422);
      expect(response.body).toMatchObject({ status: 'rejected', reason: 'USER_NOT_FOUND' });
    });

    it('answers a retried request for the same order with its first outcome', async () => {
      const first = await redeem({ couponCode: 'SAVE10', userId: 'alice', orderId: 'o-1' }).expect(
        201,
      );
      const retry = await redeem({ couponCode: 'save10', userId: 'alice', orderId: 'o-1' }).expect(
        201,
      );
      expect(retry.body).toEqual(first.body);
      expect((await t.get('/coupons/SAVE10/usage/alice')).body.userTotal.used).toBe(1);
    });

    it('answers 202 with the job id when no decision comes in time, and the outcome later', async () => {
      const impatient = await startApp({ redemptionWaitMs: 0 });
      try {
        await impatient.post('/coupons', COUPON).expect(201);
        await impatient
          .post('/users', { id: 'alice', name: 'A', email: 'a@example.com' })
          .expect(201);
        const decided = jobsFinished(impatient.app, 1);
        const response = await impatient
          .post('/redemptions', { couponCode: 'SAVE10', userId: 'alice' })
          .expect(202);
        expect(response.body).toEqual({
          jobId: expect.stringMatching(/^redeem\./),
          status: 'pending',
        });
        await decided;
        const outcome = await impatient.get(`/redemptions/${response.body.jobId}`).expect(200);
        expect(outcome.body).toMatchObject({
          status: 'accepted',
          couponCode: 'SAVE10',
          userId: 'alice',
        });
      } finally {
        await impatient.close();
      }
    });

    it('answers 404 for an unknown job id', async () => {
      await t.get('/redemptions/redeem.nope').expect(404);
    });

    it.each([
      [{ userId: 'alice' }, 'couponCode must be a string of 1-128 characters'],
      [
        { couponCode: 'SAVE10', userId: 'alice', orderId: null },
        'orderId must be a string of 1-128 characters',
      ],
      [
        { couponCode: 'SAVE10', userId: 'alice', orderId: 'o'.repeat(129) },
        'orderId must be a string of 1-128 characters',
      ],
      [{ couponCode: 'SAVE10', userId: 'alice', amount: 5 }, 'property amount should not exist'],
    ])('refuses %j with 400 and counts nothing', async (body, message) => {
      const response = await redeem(body).expect(400);
      expect(response.body.message.join('\n')).toContain(message);
      expect((await t.get('/coupons/SAVE10/usage/alice')).body.userTotal.used).toBe(0);
    });
  });

  describe('with REQUIRE_REGISTERED_USERS=false', () => {
    it('accepts any userId', async () => {
      const open = await startApp({ requireRegisteredUsers: false });
      try {
        await open.post('/coupons', COUPON).expect(201);
        const response = await open
          .post('/redemptions', { couponCode: 'SAVE10', userId: 'guest-1' })
          .expect(201);
        expect(response.body.status).toBe('accepted');
        await open.get('/coupons/SAVE10/usage/guest-1').expect(200);
      } finally {
        await open.close();
      }
    });
  });

  describe('hostile input', () => {
    const raw = (path: string, json: string) =>
      t.post(path).set('Content-Type', 'application/json').send(json);

    it.each([
      [
        'deep nesting',
        `{"code":"DEEP1","discountPercentage":5,"expiresAt":"2026-12-31","x":${'['.repeat(5000)}${']'.repeat(5000)}}`,
        'input must not nest more than 8 levels deep',
      ],
      [
        '__proto__',
        '{"code":"PROTO","discountPercentage":5,"expiresAt":"2026-12-31","__proto__":{"admin":true}}',
        'property __proto__ is not allowed',
      ],
      [
        'constructor',
        '{"code":"CTOR1","discountPercentage":5,"expiresAt":"2026-12-31","constructor":{"name":"x"}}',
        'property constructor is not allowed',
      ],
      [
        'nested __proto__',
        '{"code":"PROTO","discountPercentage":5,"expiresAt":"2026-12-31","repeatCounts":{"__proto__":{"x":1}}}',
        'property repeatCounts.__proto__ is not allowed',
      ],
      [
        'a lone surrogate',
        '{"code":"SURR1","discountPercentage":5,"expiresAt":"2026-12-31","description":"\\ud800"}',
        'description must be well-formed Unicode text',
      ],
    ])('refuses %s with 400 and stores nothing', async (_name, json, message) => {
      const response = await raw('/coupons', json).expect(400);
      expect(response.body.message).toContain(message);
      await t.get('/coupons').expect(200, { items: [], total: 0 });
    });

    it.each([
      ['POST', '/coupons', 'text/plain', 'Content-Type must be application/json, not text/plain'],
      [
        'POST',
        '/redemptions',
        'application/x-www-form-urlencoded',
        'Content-Type must be application/json, not application/x-www-form-urlencoded',
      ],
      [
        'PUT',
        '/coupons/SAVE10/repeat-counts',
        'text/plain; charset=utf-8',
        'Content-Type must be application/json, not text/plain; charset=utf-8',
      ],
      [
        'PATCH',
        '/coupons/SAVE10',
        '',
        'Content-Type must be application/json; the request has a body but no Content-Type',
      ],
    ])(
      'answers %s %s with a %s body 415, naming the content type',
      async (method, path, type, message) => {
        const server = t.app.getHttpServer();
        const call = request(server)
          [method.toLowerCase() as 'post' | 'put' | 'patch'](path)
          .set('Authorization', `Bearer ${TOKEN}`);
        const body = Buffer.from(JSON.stringify({ couponCode: 'SAVE10', userId: 'alice' }));
        const response = await (type ? call.set('Content-Type', type) : call)
          .send(body)
          .expect(415);
        expect(response.body).toEqual({
          statusCode: 415,
          error: 'Unsupported Media Type',
          message,
        });
        await t.get('/coupons').expect(200, { items: [], total: 0 });
      },
    );

    it('still reads a JSON body with a charset, and a POST without a body', async () => {
      const response = await t
        .post('/coupons')
        .set('Content-Type', 'application/json; charset=utf-8')
        .send(JSON.stringify(COUPON))
        .expect(201);
      expect(response.body.code).toBe('SAVE10');
      await t.post('/admin/resets/daily').expect(200);
      await t.delete('/coupons/SAVE10').expect(204);
    });

    it('refuses a body over 64 KiB with 413 and stores nothing', async () => {
      const big = { ...COUPON, description: 'x'.repeat(65 * 1024) };
      const response = await t.post('/coupons', big).expect(413);
      expect(response.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      // Just under the limit it is read, and refused for what it says.
      const under = { ...COUPON, description: 'x'.repeat(60 * 1024) };
      expect((await t.post('/coupons', under).expect(400)).body.message).toEqual([
        'description must be null or a string of at most 500 characters',
      ]);
      await t.get('/coupons').expect(200, { items: [], total: 0 });
    });

    it('refuses a lone surrogate in a redemption instead of failing on it', async () => {
      await t.post('/coupons', COUPON).expect(201);
      await register('alice');
      const response = await raw(
        '/redemptions',
        '{"couponCode":"SAVE10","userId":"alice","orderId":"\\ud800"}',
      );
      expect(response.status).toBe(400);
      expect(response.body.message).toEqual(['orderId must be well-formed Unicode text']);
    });

    it('matches coupon codes by ASCII letters only', async () => {
      await t.post('/coupons', COUPON).expect(201);
      await register('alice');
      // U+017F LATIN SMALL LETTER LONG S upper-cases to S in Unicode, but is not the letter s.
      const response = await redeem({ couponCode: '\u017Fave10', userId: 'alice' }).expect(422);
      expect(response.body.reason).toBe('COUPON_NOT_FOUND');
      await t.post('/coupons', { ...COUPON, code: '\u017Fave10' }).expect(400);
    });

    it('keeps an order of a code that differs outside ASCII letters apart from the ASCII code', async () => {
      await t.post('/coupons', { ...COUPON, code: 'PRICE10' }).expect(201);
      await register('alice');
      // U+0131 LATIN SMALL LETTER DOTLESS I upper-cases to I in Unicode, but is not the letter i.
      const other = await redeem({
        couponCode: 'pr\u0131ce10',
        userId: 'alice',
        orderId: 'ord-1',
      }).expect(422);
      expect(other.body).toMatchObject({ reason: 'COUPON_NOT_FOUND', couponCode: 'PR\u0131CE10' });
      const validated = await t.get('/coupons/PRICE10/validate?userId=alice').expect(200);
      expect(validated.body.valid).toBe(true);
      const response = await redeem({
        couponCode: 'PRICE10',
        userId: 'alice',
        orderId: 'ord-1',
      }).expect(201);
      expect(response.body).toMatchObject({ status: 'accepted', couponCode: 'PRICE10' });
    });

    it('counts user id length the same way on every route', async () => {
      const id = '\u{1F600}'.repeat(100); // 100 characters, 200 UTF-16 code units
      await t.post('/users', { id, name: 'Smiley', email: 'smiley@example.com' }).expect(201);
      await t.get(`/users/${encodeURIComponent(id)}`).expect(200);
    });

    it('decides a redemption afresh when the job its order maps to has failed', async () => {
      await t.post('/coupons', COUPON).expect(201);
      await register('alice');
      const failed = jobsFinished(t.app, 1);
      await t.producer.add(
        JobName.Redeem,
        { couponCode: 'SAVE10', userId: '', orderId: 'ord-x' },
        {
          jobId: redemptionJobId('SAVE10', 'ord-x'),
        },
      );
      await failed;
      const response = await redeem({
        couponCode: 'SAVE10',
        userId: 'alice',
        orderId: 'ord-x',
      }).expect(201);
      expect(response.body).toMatchObject({ status: 'accepted', orderId: 'ord-x' });
    });
  });
});
