/**
 * Checkout holds at the edges: POST /reservations and DELETE /reservations/:couponCode/:orderId,
 * the `reserve` and `release` jobs on the queue, and a redeem through POST /redemptions that
 * confirms a hold. Run on both stores.
 */
import request from 'supertest';
import type { Job } from 'bullmq';
import { RedemptionProcessor } from '../src/redemptions/redemption.processor.js';
import {
  JobName,
  type ReleaseOutcome,
  type ReservationOutcome,
} from '../src/redemptions/redemption.contract.js';
import type { AppConfig } from '../src/config/app-config.js';
import { jobsFinished, startApp, VIEWER_TOKEN, type TestApp } from './helpers.js';

const NOW = '2026-11-25T12:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(NOW) + seconds * 1000).toISOString();

describe.each([
  ['memory store', { store: 'memory' }],
  ['redis store', { store: 'redis' }],
] as [string, Partial<AppConfig>][])(
  'checkout holds over REST and the queue (%s)',
  (_label, store) => {
    let t: TestApp;
    let coupons = 0;

    /** A fresh coupon per test, so counts never carry over. */
    async function newCoupon(repeatCounts: object = {}): Promise<string> {
      const code = `HOLD${++coupons}`;
      await t
        .post('/coupons', { code, discountPercentage: 10, expiresAt: '2026-12-31', repeatCounts })
        .expect(201);
      return code;
    }

    async function globalUsed(code: string): Promise<number> {
      const response = await t.get(`/coupons/${code}/repeat-counts`).expect(200);
      return (response.body as { globalUsed: number }).globalUsed;
    }

    /** Publishes jobs as an order system does and resolves with the finished jobs. */
    async function publish(jobs: { name: JobName; data: object; opts?: object }[]): Promise<Job[]> {
      const finished = jobsFinished(t.app, jobs.length);
      const added: Job[] = [];
      for (const { name, data, opts } of jobs) {
        added.push(await (t.producer as unknown as Queue).add(name, data, opts));
      }
      await finished;
      return Promise.all(added.map(async (job) => (await t.producer.getJob(job.id!))! as Job));
    }
    type Queue = { add: (name: string, data: object, opts?: object) => Promise<Job> };

    beforeAll(async () => {
      t = await startApp({ ...store, redemptionWaitMs: 2000 }, NOW);
      for (const id of ['u1', 'u2', 'u3']) {
        await t.post('/users', { id, name: id, email: `${id}@example.com` }).expect(201);
      }
    });
    afterAll(async () => t?.close());
    beforeEach(() => t.clock.set(NOW));

    describe('POST /reservations', () => {
      it('201 reserved, holding one use until expiresAt; a second reserve answers the same hold', async () => {
        const code = await newCoupon({ globalTotal: 2, userDaily: 1 });
        const body = { couponCode: code.toLowerCase(), userId: 'u1', orderId: 'o1' };
        const first = await t.post('/reservations', body).expect(201);
        expect(first.body).toEqual({
          status: 'reserved',
          couponCode: code,
          userId: 'u1',
          orderId: 'o1',
          expiresAt: at(900), // HOLD_TTL_SECONDS
          remaining: { globalTotal: 1, userTotal: null, userWeekly: null, userDaily: 0 },
          processedAt: NOW,
        });
        t.clock.set(at(60));
        const again = await t.post('/reservations', { ...body, ttlSeconds: 30 }).expect(201);
        expect(again.body).toMatchObject({ status: 'reserved', expiresAt: at(900) });
        // The hold counts: u1's daily use is held.
        const refused = await t
          .post('/reservations', { ...body, orderId: 'o2', ttlSeconds: 60 })
          .expect(422);
        expect(refused.body).toMatchObject({
          status: 'rejected',
          reason: 'USER_DAILY_LIMIT_REACHED',
          orderId: 'o2',
        });
        expect(refused.body.expiresAt).toBeUndefined();
      });

      it('422 with the reason when the coupon cannot be held', async () => {
        const code = await newCoupon({ globalTotal: 1 });
        await t
          .post('/reservations', { couponCode: code, userId: 'u1', orderId: 'a', ttlSeconds: 120 })
          .expect(201)
          .expect((r) => expect(r.body.expiresAt).toBe(at(120)));
        const full = await t
          .post('/reservations', { couponCode: code, userId: 'u2', orderId: 'b' })
          .expect(422);
        expect(full.body).toMatchObject({ reason: 'GLOBAL_LIMIT_REACHED', userId: 'u2' });
        const conflict = await t
          .post('/reservations', { couponCode: code, userId: 'u2', orderId: 'a' })
          .expect(422);
        expect(conflict.body).toMatchObject({ reason: 'ORDER_CONFLICT', userId: 'u2' });
        const unknown = await t
          .post('/reservations', { couponCode: 'NO-SUCH', userId: 'u1', orderId: 'c' })
          .expect(422);
        expect(unknown.body).toMatchObject({ reason: 'COUPON_NOT_FOUND' });
      });

      it.each([
        [{ ttlSeconds: 0 }, /ttlSeconds must be a whole number of seconds from 1 to 86400/],
        [{ ttlSeconds: 86_401 }, /ttlSeconds must be a whole number of seconds from 1 to 86400/],
        [{ ttlSeconds: 1.5 }, /ttlSeconds must be a whole number/],
        [{ ttlSeconds: null }, /ttlSeconds/],
        [{ ttlSeconds: '60' }, /ttlSeconds/],
        [{ orderId: undefined }, /orderId/],
        [{ extra: true }, /extra/],
      ])('400 for %j, publishing nothing', async (change, message) => {
        const before = await t.producer.getJobCounts();
        const body = { couponCode: 'HOLD1', userId: 'u1', orderId: 'bad', ...change };
        const response = await t.post('/reservations', body).expect(400);
        expect(JSON.stringify(response.body.message)).toMatch(message);
        expect(await t.producer.getJobCounts()).toEqual(before);
      });

      it('202 with the job id while undecided, then GET /redemptions/:jobId has the outcome', async () => {
        const code = await newCoupon();
        const worker = t.app.get(RedemptionProcessor).worker;
        await worker.pause();
        try {
          const pending = await t
            .post('/reservations', { couponCode: code, userId: 'u1', orderId: 'slow' })
            .expect(202);
          expect(pending.body).toEqual({
            jobId: expect.stringMatching(/^reserve\./),
            status: 'pending',
          });
          const finished = jobsFinished(t.app, 1);
          worker.resume();
          await finished;
          const looked = await t.get(`/redemptions/${pending.body.jobId}`).expect(200);
          expect(looked.body).toMatchObject({ status: 'reserved', orderId: 'slow' });
        } finally {
          worker.resume();
        }
      });

      it('needs the admin token', async () => {
        const server = t.app.getHttpServer();
        const body = { couponCode: 'HOLD1', userId: 'u1', orderId: 'auth' };
        await request(server).post('/reservations').send(body).expect(401);
        await request(server)
          .post('/reservations')
          .set('Authorization', `Bearer ${VIEWER_TOKEN}`)
          .send(body)
          .expect(403);
        await request(server)
          .delete('/reservations/HOLD1/auth')
          .set('Authorization', `Bearer ${VIEWER_TOKEN}`)
          .expect(403);
      });
    });

    describe('POST /redemptions of a held order', () => {
      it("confirms the hold: accepted with hold 'confirmed', the use counted once", async () => {
        const code = await newCoupon({ globalTotal: 1 });
        const order = { couponCode: code, userId: 'u1', orderId: 'paid' };
        await t.post('/reservations', order).expect(201);
        t.clock.set(at(300));
        const redeemed = await t.post('/redemptions', order).expect(201);
        expect(redeemed.body).toMatchObject({
          status: 'accepted',
          hold: 'confirmed',
          couponCode: code,
          userId: 'u1',
          orderId: 'paid',
          remaining: { globalTotal: 0 },
        });
        expect(await globalUsed(code)).toBe(1);
        const other = await t
          .post('/redemptions', { couponCode: code, userId: 'u2', orderId: 'other' })
          .expect(422);
        expect(other.body.reason).toBe('GLOBAL_LIMIT_REACHED');
        // Confirmed, the hold is gone: nothing to release, and the redemption stands.
        await t.delete(`/reservations/${code}/paid`).expect(404);
        const replay = await t.post('/redemptions', order).expect(201);
        expect(replay.body).toEqual(redeemed.body);
        expect(await globalUsed(code)).toBe(1);
      });

      it('refuses a held order to another user (ORDER_CONFLICT)', async () => {
        const code = await newCoupon();
        await t
          .post('/reservations', { couponCode: code, userId: 'u1', orderId: 'mine' })
          .expect(201);
        const theirs = await t
          .post('/redemptions', { couponCode: code, userId: 'u2', orderId: 'mine' })
          .expect(422);
        expect(theirs.body.reason).toBe('ORDER_CONFLICT');
      });
    });

    describe('DELETE /reservations/:couponCode/:orderId', () => {
      it('200 released, freeing the use; then 404 RESERVATION_NOT_FOUND', async () => {
        const code = await newCoupon({ globalTotal: 1 });
        const held = await t
          .post('/reservations', { couponCode: code, userId: 'u1', orderId: 'cart' })
          .expect(201);
        t.clock.set(at(10));
        const released = await t.delete(`/reservations/${code.toLowerCase()}/cart`).expect(200);
        expect(released.body).toEqual({
          status: 'released',
          couponCode: code,
          userId: 'u1',
          orderId: 'cart',
          processedAt: at(10),
        });
        const again = await t.delete(`/reservations/${code}/cart`).expect(404);
        expect(again.body).toEqual({
          status: 'rejected',
          reason: 'RESERVATION_NOT_FOUND',
          couponCode: code,
          orderId: 'cart',
          processedAt: at(10),
        });
        // The use is free for another user, and the order is reserved afresh (a new expiry), never
        // answered with the first reserve's job.
        await t
          .post('/reservations', { couponCode: code, userId: 'u2', orderId: 'u2cart' })
          .expect(201);
        await t.delete(`/reservations/${code}/u2cart`).expect(200);
        t.clock.set(at(20));
        const anew = await t
          .post('/reservations', { couponCode: code, userId: 'u1', orderId: 'cart' })
          .expect(201);
        expect(anew.body.expiresAt).toBe(at(920));
        expect(anew.body.expiresAt).not.toBe(held.body.expiresAt);
      });

      it('404 once the hold expired, which frees its use without any release', async () => {
        const code = await newCoupon({ globalTotal: 1 });
        await t
          .post('/reservations', {
            couponCode: code,
            userId: 'u1',
            orderId: 'late',
            ttlSeconds: 60,
          })
          .expect(201);
        await t
          .post('/reservations', { couponCode: code, userId: 'u2', orderId: 'early' })
          .expect(422);
        t.clock.set(at(60));
        await t.delete(`/reservations/${code}/late`).expect(404);
        await t
          .post('/reservations', { couponCode: code, userId: 'u2', orderId: 'early' })
          .expect(201);
        // After expiry a redeem of the order is decided afresh: the cap is now u2's hold.
        const redeemed = await t
          .post('/redemptions', { couponCode: code, userId: 'u1', orderId: 'late' })
          .expect(422);
        expect(redeemed.body.reason).toBe('GLOBAL_LIMIT_REACHED');
      });

      it('404 for an order never held and for an unknown coupon', async () => {
        const code = await newCoupon();
        const response = await t.delete(`/reservations/${code}/never`).expect(404);
        expect(response.body).toMatchObject({ reason: 'RESERVATION_NOT_FOUND', orderId: 'never' });
        await t.delete('/reservations/NO-SUCH/never').expect(404);
      });

      it('202 with the job id while undecided', async () => {
        const code = await newCoupon();
        await t.post('/reservations', { couponCode: code, userId: 'u3', orderId: 'q' }).expect(201);
        const worker = t.app.get(RedemptionProcessor).worker;
        await worker.pause();
        try {
          const pending = await t.delete(`/reservations/${code}/q`).expect(202);
          expect(pending.body).toEqual({
            jobId: expect.stringMatching(/^release\./),
            status: 'pending',
          });
          const finished = jobsFinished(t.app, 1);
          worker.resume();
          await finished;
          const looked = await t.get(`/redemptions/${pending.body.jobId}`).expect(200);
          expect(looked.body).toMatchObject({ status: 'released', userId: 'u3', orderId: 'q' });
        } finally {
          worker.resume();
        }
      });
    });

    it('documents the routes and outcomes in the OpenAPI document', async () => {
      const doc = (await t.get('/docs/json').expect(200)).body as {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
        components: { schemas: Record<string, { properties: Record<string, unknown> }> };
      };
      const statuses = (path: string, method: string) =>
        Object.keys(doc.paths[path]![method]!.responses).filter((s) => s !== '401');
      expect(statuses('/reservations', 'post')).toEqual(
        expect.arrayContaining(['201', '422', '202', '400', '503']),
      );
      expect(statuses('/reservations/{couponCode}/{orderId}', 'delete')).toEqual(
        expect.arrayContaining(['200', '404', '202', '503']),
      );
      const schemas = doc.components.schemas;
      expect(Object.keys(schemas.ReservationOutcomeResponse!.properties)).toContain('expiresAt');
      expect(Object.keys(schemas.ReleaseOutcomeResponse!.properties)).toContain('userId');
      expect(schemas.RedemptionOutcomeResponse!.properties.hold).toMatchObject({
        enum: ['confirmed'],
      });
      expect(schemas.ReserveDto!.properties.ttlSeconds).toMatchObject({
        minimum: 1,
        maximum: 86_400,
      });
      // Not the redemption examples' order, which "Try it out" redeems first.
      expect(schemas.ReserveDto!.properties.orderId).toMatchObject({ example: 'order-1002' });
    });

    describe('the reserve and release jobs on the queue', () => {
      it('reserve, reserve again, release, release again', async () => {
        const code = await newCoupon({ userTotal: 1 });
        const order = { couponCode: code, userId: 'u1', orderId: 'q1' };
        const [reserved, again] = await publish([
          { name: JobName.Reserve, data: { ...order, ttlSeconds: 600 } },
          { name: JobName.Reserve, data: order },
        ]);
        expect(reserved!.returnvalue as ReservationOutcome).toMatchObject({
          status: 'reserved',
          expiresAt: at(600),
          remaining: { userTotal: 0 },
        });
        expect((again!.returnvalue as ReservationOutcome).expiresAt).toBe(at(600));
        const [released, missing] = await publish([
          { name: JobName.Release, data: order },
          { name: JobName.Release, data: order },
        ]);
        expect(released!.returnvalue as ReleaseOutcome).toEqual({
          status: 'released',
          ...order,
          processedAt: NOW,
        });
        expect(missing!.returnvalue as ReleaseOutcome).toEqual({
          status: 'rejected',
          reason: 'RESERVATION_NOT_FOUND',
          ...order,
          processedAt: NOW,
        });
      });

      it("refuses a release by another user than the hold's", async () => {
        const code = await newCoupon();
        const order = { couponCode: code, userId: 'u1', orderId: 'q2' };
        await publish([{ name: JobName.Reserve, data: order }]);
        const [wrong] = await publish([
          { name: JobName.Release, data: { ...order, userId: 'u2' } },
        ]);
        expect(wrong!.returnvalue).toMatchObject({ reason: 'RESERVATION_NOT_FOUND', userId: 'u2' });
        await t.delete(`/reservations/${code}/q2`).expect(200);
      });

      it.each([
        [JobName.Reserve, { couponCode: 'HOLD1', userId: 'u1' }, /orderId/],
        [
          JobName.Reserve,
          { couponCode: 'HOLD1', userId: 'u1', orderId: 'x', ttlSeconds: 0 },
          /ttlSeconds/,
        ],
        [
          JobName.Reserve,
          { couponCode: 'HOLD1', userId: 'u1', orderId: 'x', ttlSeconds: 2.5 },
          /ttlSeconds/,
        ],
        [JobName.Release, { couponCode: 'HOLD1', orderId: 'x' }, /userId/],
        [
          JobName.Release,
          { couponCode: 'HOLD1', userId: 'u1', orderId: 'x', ttlSeconds: 5 },
          /ttlSeconds/,
        ],
      ])(
        'fails a %s job with bad data at once, without retries: %j',
        async (name, data, message) => {
          const [job] = await publish([{ name, data, opts: { attempts: 3, backoff: 1000 } }]);
          expect(await job!.getState()).toBe('failed');
          expect(job!.attemptsMade).toBe(1);
          expect(job!.failedReason).toMatch(message);
        },
      );
    });
  },
);

describe('POST /reservations from a client address past GUESS_LIMIT_PER_HOUR', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ guessLimitPerHour: 2 });
    await t.post('/users', { id: 'u1', name: 'u1', email: 'u1@example.com' }).expect(201);
    await t
      .post('/coupons', { code: 'REAL', discountPercentage: 10, expiresAt: '2026-12-31' })
      .expect(201);
  });
  afterAll(async () => t?.close());

  it('refuses unknown codes TOO_MANY_ATTEMPTS with Retry-After, unpublished, sharing the limit with POST /redemptions', async () => {
    await t.post('/redemptions', { couponCode: 'GUESS1', userId: 'a' }).expect(422);
    const second = await t
      .post('/reservations', { couponCode: 'GUESS2', userId: 'b', orderId: 'g2' })
      .expect(422);
    expect(second.body.reason).toBe('COUPON_NOT_FOUND');
    const jobs = await t.producer.getJobCounts('completed');
    const refused = await t
      .post('/reservations', { couponCode: 'guess3', userId: 'c', orderId: 'g3' })
      .expect(422);
    expect(refused.body).toEqual({
      status: 'rejected',
      reason: 'TOO_MANY_ATTEMPTS',
      couponCode: 'GUESS3',
      userId: 'c',
      orderId: 'g3',
      remaining: { globalTotal: 0, userTotal: 0, userWeekly: 0, userDaily: 0 },
      processedAt: expect.any(String),
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await t.producer.getJobCounts('completed')).toEqual(jobs);
    // Known coupons still go through.
    await t.post('/reservations', { couponCode: 'REAL', userId: 'u1', orderId: 'r1' }).expect(201);
  });
});
