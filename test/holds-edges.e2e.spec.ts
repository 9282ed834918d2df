/**
 * A hostile review of checkout holds at the edges: what a black-box tester sees through the README,
 * the OpenAPI document and the JSON Schemas only (REST, the queue, the typed client). Tests that
 * fail name a bug; the others pin promises no other suite covers. Run on both stores where the
 * store matters.
 *
 * Failing at review time (see the review report for causes and fixes):
 * - an erased user (DELETE /users/:id) is still reserved and redeemed from the worker's cache;
 * - a redeem after the hold expired replays the refusal kept from before the hold;
 * - a user at the guess limit loses their live hold's confirm (and a coupon they already redeem)
 *   once an admin edits the coupon;
 * - DELETE /reservations that finds no hold is not counted in coupon_holds_total{status="not-found"};
 * - the typed client publishes lone surrogates (reserve) or throws URIError (release), not TypeError.
 */
import type { Job, Queue } from 'bullmq';
import { CouponClient } from '@coupon-code-service/client';
import type { AppConfig } from '../src/config/app-config.js';
import { JobName } from '../src/redemptions/redemption.contract.js';
import request from 'supertest';
import { RedemptionProcessor } from '../src/redemptions/redemption.processor.js';
import { jobsFinished, startApp, VIEWER_TOKEN, type TestApp } from './helpers.js';

const NOW = '2026-11-25T12:00:00.000Z'; // a Wednesday
const at = (seconds: number) => new Date(Date.parse(NOW) + seconds * 1000).toISOString();

type Body = Record<string, unknown>;

const stores = [
  ['memory store', { store: 'memory' }],
  ['redis store', { store: 'redis' }],
] as [string, Partial<AppConfig>][];

/** Publishes one job as an order system does and answers the finished job. */
async function runJob(t: TestApp, name: JobName, data: object): Promise<Job> {
  const finished = jobsFinished(t.app, 1);
  const job = await (t.producer as unknown as Queue).add(name, data);
  await finished;
  return (await t.producer.getJob(job.id!))! as unknown as Job;
}

async function register(t: TestApp, id: string) {
  await t.post('/users', { id, name: id, email: `${id}@example.com` }).expect(201);
}

describe.each(stores)('checkout holds at the edges (%s)', (_label, store) => {
  let t: TestApp;
  let coupons = 0;

  async function newCoupon(repeatCounts: object = {}): Promise<string> {
    const code = `EDGE${++coupons}`;
    await t
      .post('/coupons', { code, discountPercentage: 10, expiresAt: '2026-12-31', repeatCounts })
      .expect(201);
    return code;
  }

  const repeatCounts = async (code: string) =>
    (await t.get(`/coupons/${code}/repeat-counts`).expect(200)).body as Body;

  beforeAll(async () => {
    t = await startApp({ ...store, workerConcurrency: 4, redemptionWaitMs: 3000 }, NOW);
    for (const id of ['u1', 'u2', 'u3']) await register(t, id);
  });
  afterAll(async () => t?.close());
  beforeEach(() => t.clock.set(NOW));

  it('REST flow: validate, reserve, redeem (confirm), rollback, reserve again, redeem again', async () => {
    const code = await newCoupon({ globalTotal: 1, userDaily: 1 });
    const order = { couponCode: code.toLowerCase(), userId: 'u1', orderId: 'flow-1' };

    const validated = await t.get(`/coupons/${code}/validate?userId=u1`).expect(200);
    expect(validated.body).toMatchObject({ valid: true, remaining: { globalTotal: 1 } });

    const held = await t.post('/reservations', order).expect(201);
    expect(held.body).toMatchObject({ status: 'reserved', couponCode: code, expiresAt: at(900) });
    expect(await repeatCounts(code)).toMatchObject({ globalUsed: 0, globalHeld: 1 });

    t.clock.set(at(60));
    const confirmed = await t.post('/redemptions', order).expect(201);
    expect(confirmed.body).toMatchObject({ status: 'accepted', hold: 'confirmed' });
    expect(await repeatCounts(code)).toMatchObject({
      globalUsed: 1,
      globalHeld: 0,
      globalRemaining: 0,
    });

    const rolledBack = await t.post('/redemptions/rollback', order).expect(200);
    expect(rolledBack.body).toMatchObject({
      status: 'rolled-back',
      restored: { globalTotal: true, userTotal: true, userWeekly: true, userDaily: true },
    });
    expect(await repeatCounts(code)).toMatchObject({ globalUsed: 0, globalHeld: 0 });

    // The rolled-back order is held afresh (a new expiry), then confirmed by a new redeem.
    t.clock.set(at(120));
    const heldAgain = await t.post('/reservations', order).expect(201);
    expect(heldAgain.body).toMatchObject({ status: 'reserved', expiresAt: at(1020) });
    expect(await repeatCounts(code)).toMatchObject({ globalUsed: 0, globalHeld: 1 });
    // Another user finds the only use held.
    const other = await t
      .post('/reservations', { couponCode: code, userId: 'u2', orderId: 'flow-2' })
      .expect(422);
    expect(other.body.reason).toBe('GLOBAL_LIMIT_REACHED');

    t.clock.set(at(180));
    const confirmedAgain = await t.post('/redemptions', order).expect(201);
    expect(confirmedAgain.body).toMatchObject({
      status: 'accepted',
      hold: 'confirmed',
      processedAt: at(180),
    });
    expect(await repeatCounts(code)).toMatchObject({ globalUsed: 1, globalHeld: 0 });
    const statuses = (await t.get(`/coupons/${code}/redemptions`).expect(200)).body.items.map(
      (entry: { status: string }) => entry.status,
    );
    expect(statuses).toEqual(['confirmed', 'reserved', 'rolled-back', 'confirmed', 'reserved']);
  });

  it("DELETE /reservations releases a unique code's hold named in any letter case, or by the coupon's code; not by another code", async () => {
    const code = await newCoupon({ globalTotal: 2 });
    await t.post(`/coupons/${code}/code-batches`, { count: 3, usesPerCode: 1 }).expect(201);
    const [one, two] = (await t.get(`/coupons/${code}/code-batches/1/codes?offset=0`).expect(200))
      .body.items as string[];
    // An order id with the characters job ids and paths must escape.
    const orderId = 'a.b:c/d e%';
    const path = (named: string) => `/reservations/${named}/${encodeURIComponent(orderId)}`;

    const held = await t
      .post('/reservations', { couponCode: one!.toLowerCase(), userId: 'u2', orderId })
      .expect(201);
    expect(held.body).toMatchObject({ couponCode: one, coupon: code, orderId });

    // Another of the coupon's codes names no hold of the order: 404 at once, the hold stays.
    const wrong = await t.delete(path(two!.toLowerCase())).expect(404);
    expect(wrong.body).toEqual({
      status: 'rejected',
      reason: 'RESERVATION_NOT_FOUND',
      couponCode: two,
      orderId,
      processedAt: NOW,
    });
    expect(
      (await t.get(`/coupons/${code}/codes/${one!.toLowerCase()}`).expect(200)).body,
    ).toMatchObject({ held: 1 });

    const released = await t.delete(path(one!.toLowerCase())).expect(200);
    expect(released.body).toEqual({
      status: 'released',
      couponCode: one,
      userId: 'u2',
      orderId,
      processedAt: NOW,
    });
    expect((await t.get(`/coupons/${code}/codes/${one}`).expect(200)).body).toMatchObject({
      used: 0,
      held: 0,
    });

    // Held again with the code in upper case, released by the coupon's own code in lower case.
    await t.post('/reservations', { couponCode: one, userId: 'u2', orderId }).expect(201);
    await t.delete(path(code.toLowerCase())).expect(200);
    expect(await repeatCounts(code)).toMatchObject({ globalHeld: 0 });
  });

  it("REST flow with a unique code: confirm, rollback by the coupon's code (the code's use comes back), reserve and confirm again", async () => {
    const code = await newCoupon({ globalTotal: 1 });
    await t.post(`/coupons/${code}/code-batches`, { count: 1, usesPerCode: 1 }).expect(201);
    const [unique] = (await t.get(`/coupons/${code}/code-batches/1/codes?offset=0`).expect(200))
      .body.items as string[];
    const order = { couponCode: unique!.toLowerCase(), userId: 'u3', orderId: 'uflow' };
    await t.post('/reservations', order).expect(201);
    const confirmed = await t.post('/redemptions', { ...order, couponCode: unique }).expect(201);
    expect(confirmed.body).toMatchObject({ hold: 'confirmed', couponCode: unique, coupon: code });
    await t.post('/redemptions/rollback', { ...order, couponCode: code.toLowerCase() }).expect(200);
    expect((await t.get(`/coupons/${code}/codes/${unique}`).expect(200)).body).toMatchObject({
      used: 0,
      held: 0,
    });
    t.clock.set(at(30));
    await t.post('/reservations', order).expect(201);
    expect((await t.get(`/coupons/${code}/codes/${unique}`).expect(200)).body).toMatchObject({
      used: 0,
      held: 1,
    });
    const again = await t.post('/redemptions', order).expect(201);
    expect(again.body).toMatchObject({ hold: 'confirmed', processedAt: at(30) });
    expect((await t.get(`/coupons/${code}/codes/${unique}`).expect(200)).body).toMatchObject({
      used: 1,
      held: 0,
    });
    expect(await repeatCounts(code)).toMatchObject({ globalUsed: 1, globalHeld: 0 });
  });

  it('decides a redeem afresh once the hold expired, even when the order was refused before it was held', async () => {
    const code = await newCoupon({ globalTotal: 1 });
    // u2 holds the only use: u1's first try of the order is refused, and that refusal is kept.
    await t
      .post('/reservations', { couponCode: code, userId: 'u2', orderId: 'blocker' })
      .expect(201);
    const order = { couponCode: code, userId: 'u1', orderId: 'retry-after-hold' };
    const refused = await t.post('/redemptions', order).expect(422);
    expect(refused.body.reason).toBe('GLOBAL_LIMIT_REACHED');
    await t.delete(`/reservations/${code}/blocker`).expect(200);
    // u1 reserves the order now (decided afresh, as documented), and does not pay in time.
    await t.post('/reservations', { ...order, ttlSeconds: 60 }).expect(201);
    t.clock.set(at(61));
    expect(await repeatCounts(code)).toMatchObject({ globalUsed: 0, globalHeld: 0 });
    // README: "A redeem of the order after its hold expired is decided afresh, like any new
    // order: accepted if there is room still". There is room.
    const late = await t.post('/redemptions', order);
    expect([late.status, late.body.status, late.body.reason]).toEqual([201, 'accepted', undefined]);
  });

  it('lets the viewer token read what holds show (validate, usage, repeat counts, a reserve job) and nothing more', async () => {
    const code = await newCoupon({ globalTotal: 2 });
    const viewer = (test: request.Test) => test.set('Authorization', `Bearer ${VIEWER_TOKEN}`);
    const server = t.app.getHttpServer();
    const worker = t.app.get(RedemptionProcessor).worker;
    await worker.pause();
    let jobId: string;
    try {
      const pending = await t.post('/reservations', {
        couponCode: code,
        userId: 'u1',
        orderId: 'seen',
      });
      // With the worker paused the reserve waits REDEMPTION_WAIT_MS: answer 202 with its id.
      expect(pending.status).toBe(202);
      jobId = pending.body.jobId as string;
    } finally {
      const finished = jobsFinished(t.app, 1);
      worker.resume();
      await finished;
    }
    const job = await viewer(request(server).get(`/redemptions/${encodeURIComponent(jobId)}`));
    expect([job.status, job.body.status]).toEqual([200, 'reserved']);
    const validated = await viewer(request(server).get(`/coupons/${code}/validate?userId=u1`));
    expect(validated.body).toMatchObject({ held: { globalTotal: 1, userTotal: 1 } });
    const usage = await viewer(request(server).get(`/coupons/${code}/usage/u1`));
    expect(usage.body.userTotal).toMatchObject({ held: 1 });
    const counts = await viewer(request(server).get(`/coupons/${code}/repeat-counts`));
    expect(counts.body).toMatchObject({ globalHeld: 1, globalRemaining: 1 });
    await viewer(request(server).delete(`/reservations/${code}/seen`)).expect(403);
    expect(await repeatCounts(code)).toMatchObject({ globalHeld: 1 });
  });

  it('many POST /reservations at once against a cap of 3: exactly 3 reserved', async () => {
    const code = await newCoupon({ globalTotal: 3 });
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.post('/reservations', {
          couponCode: code,
          userId: `u${(i % 3) + 1}`,
          orderId: `rush-${i}`,
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([...Array(3).fill(201), ...Array(9).fill(422)]);
    for (const answer of answers.filter((a) => a.status === 422)) {
      expect(answer.body.reason).toBe('GLOBAL_LIMIT_REACHED');
    }
    expect(await repeatCounts(code)).toMatchObject({
      globalUsed: 0,
      globalHeld: 3,
      globalRemaining: 0,
    });

    // The same order reserved many times at once holds one use, answered the same each time.
    const one = await newCoupon({ globalTotal: 3 });
    const same = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.post('/reservations', { couponCode: one, userId: 'u1', orderId: 'same' }),
      ),
    );
    expect(same.map((answer) => answer.status)).toEqual(Array(8).fill(201));
    expect(new Set(same.map((answer) => answer.body.expiresAt)).size).toBe(1);
    expect(await repeatCounts(one)).toMatchObject({ globalHeld: 1, globalRemaining: 2 });
  });

  it('refuses a user erased by DELETE /users/:id (USER_NOT_FOUND), also after the worker saw them', async () => {
    const code = await newCoupon();
    await register(t, 'gone');
    await t
      .post('/reservations', { couponCode: code, userId: 'gone', orderId: 'before' })
      .expect(201);
    await t.delete('/users/gone').expect(200);
    expect(await repeatCounts(code)).toMatchObject({ globalHeld: 0 });

    const held = await t.post('/reservations', {
      couponCode: code,
      userId: 'gone',
      orderId: 'after',
    });
    // Before the fix: 201 reserved, a new hold (and log entry) for a user who no longer exists.
    expect([held.status, held.body.reason]).toEqual([422, 'USER_NOT_FOUND']);
    expect(await repeatCounts(code)).toMatchObject({ globalHeld: 0 });
    const redeemed = await t.post('/redemptions', {
      couponCode: code,
      userId: 'gone',
      orderId: 'after-redeem',
    });
    expect([redeemed.status, redeemed.body.reason]).toEqual([422, 'USER_NOT_FOUND']);
    expect(await repeatCounts(code)).toMatchObject({ globalUsed: 0 });
  });

  it('counts a DELETE /reservations that finds no live hold in coupon_holds_total{status="not-found"}', async () => {
    const code = await newCoupon();
    const notFound = async () => {
      const text = (await t.get('/metrics').expect(200)).text;
      return Number(/^coupon_holds_total\{status="not-found"\} (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const before = await notFound();
    await t.delete(`/reservations/${code}/never-held`).expect(404);
    expect(await notFound()).toBe(before + 1);
  });
});

describe.each(stores)('a user past GUESS_LIMIT_PER_HOUR with a live hold (%s)', (_label, store) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ ...store, guessLimitPerHour: 2 }, NOW);
    await register(t, 'alice');
    await t
      .post('/coupons', { code: 'GUESSHOLD', discountPercentage: 10, expiresAt: '2026-12-31' })
      .expect(201);
  });
  afterAll(async () => t?.close());

  it('still confirms the hold (a coupon the user already redeems goes on working) after an admin edits the coupon', async () => {
    const redeem = { couponCode: 'GUESSHOLD', userId: 'alice' };
    await t.post('/redemptions', { ...redeem, orderId: 'earlier' }).expect(201);
    await t.post('/reservations', { ...redeem, orderId: 'held' }).expect(201);
    // alice's order system sends two unknown codes: she is at the guess limit now.
    for (const guess of ['NOPE1', 'NOPE2']) {
      const job = await runJob(t, JobName.Redeem, { couponCode: guess, userId: 'alice' });
      expect(job.returnvalue).toMatchObject({ reason: 'COUPON_NOT_FOUND' });
    }
    // Coupons she already redeems go on working.
    await t.post('/redemptions', { ...redeem, orderId: 'still-fine' }).expect(201);

    // An admin edits the description: nothing about alice or her hold changes.
    await t.patch('/coupons/GUESSHOLD', { description: 'edited' }).expect(200);

    const confirmed = await t.post('/redemptions', { ...redeem, orderId: 'held' });
    expect([
      confirmed.status,
      confirmed.body.status,
      confirmed.body.hold,
      confirmed.body.reason,
    ]).toEqual([201, 'accepted', 'confirmed', undefined]);
  });

  it('still holds a coupon the user already redeems (here, still at the guess limit) after an admin edits it', async () => {
    await t.patch('/coupons/GUESSHOLD', { description: 'edited again' }).expect(200);
    const held = await t.post('/reservations', {
      couponCode: 'GUESSHOLD',
      userId: 'alice',
      orderId: 'held-after-edit',
    });
    expect([held.status, held.body.status, held.body.reason]).toEqual([201, 'reserved', undefined]);
  });
});

describe('the typed client with text that is not well-formed Unicode', () => {
  let t: TestApp;
  let client: CouponClient;
  beforeAll(async () => {
    t = await startApp({}, NOW);
    client = new CouponClient({
      connection: { url: t.config.redisUrl },
      prefix: t.config.queuePrefix,
      timeoutMs: 5000,
    });
  });
  afterAll(async () => {
    await client?.close();
    await t?.close();
  });

  it.each([
    ['reserve', () => client.reserve({ couponCode: 'SAVE10', userId: 'lone\uD800', orderId: 'o' })],
    ['release', () => client.release({ couponCode: 'SAVE10', userId: 'u', orderId: 'o\uDC00' })],
  ])(
    '%s throws a TypeError before anything is published (the worker refuses a lone surrogate)',
    async (_name, call) => {
      const before = await t.producer.getJobCounts();
      await expect(call()).rejects.toBeInstanceOf(TypeError);
      expect(await t.producer.getJobCounts()).toEqual(before);
    },
  );
});
