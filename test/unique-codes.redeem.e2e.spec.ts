import { JobName, redemptionJobId } from '../src/redemptions/redemption.contract.js';
import { startApp, type TestApp } from './helpers.js';

const FORGED = 'SAVE10-2222222222222222';

describe.each(['memory', 'redis'] as const)('redeeming unique codes (%s store)', (store) => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startApp({ store, guessLimitPerHour: 3 }, '2026-11-25T12:00:00Z');
    await t
      .post('/coupons', {
        code: 'SAVE10',
        discountPercentage: 10,
        expiresAt: '2027-06-30',
        repeatCounts: { globalTotal: 100, userTotal: 3 },
      })
      .expect(201);
    for (const id of ['alice', 'bob']) {
      await t.post('/users', { id, name: id, email: `${id}@example.com` }).expect(201);
    }
  });
  afterEach(async () => t.close());

  /** A new batch of the coupon; returns its codes. */
  async function batch(count: number, usesPerCode: number | null = 1, coupon = 'SAVE10') {
    const created = await t
      .post(`/coupons/${coupon}/code-batches`, { count, usesPerCode })
      .expect(201);
    const page = await t
      .get(`/coupons/${coupon}/code-batches/${created.body.batch}/codes?offset=0&limit=${count}`)
      .expect(200);
    return page.body.items as string[];
  }

  const redeem = (couponCode: string, orderId: string, userId = 'alice') =>
    t.post('/redemptions', { couponCode, userId, orderId });
  const globalUsed = async () =>
    (await t.get('/coupons/SAVE10/repeat-counts').expect(200)).body.globalUsed as number;

  async function outcomeOf(jobId: string) {
    for (let i = 0; i < 100; i++) {
      const answer = await t.get(`/redemptions/${encodeURIComponent(jobId)}`).expect(200);
      if (answer.body.status !== 'pending') return answer.body;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`job ${jobId} still pending`);
  }

  it('accepts a code once, naming the code and its coupon, in any letter case', async () => {
    const [code, other] = await batch(2);
    const accepted = await redeem(code!.toLowerCase(), 'order-1').expect(201);
    expect(accepted.body).toEqual({
      status: 'accepted',
      couponCode: code,
      coupon: 'SAVE10',
      userId: 'alice',
      orderId: 'order-1',
      discountPercentage: 10,
      remaining: { globalTotal: 99, userTotal: 2, userWeekly: null, userDaily: null },
      processedAt: '2026-11-25T12:00:00.000Z',
    });
    // The same order again: its first outcome, counted once.
    expect((await redeem(code!, 'order-1').expect(201)).body).toEqual(accepted.body);

    const spent = await redeem(code!, 'order-2', 'bob').expect(422);
    expect(spent.body).toMatchObject({
      status: 'rejected',
      reason: 'CODE_LIMIT_REACHED',
      couponCode: code,
      coupon: 'SAVE10',
    });
    await redeem(other!, 'order-3', 'bob').expect(201);
    expect(await globalUsed()).toBe(2);
    expect((await t.get(`/coupons/SAVE10/codes/${code}`).expect(200)).body).toMatchObject({
      used: 1,
      limit: 1,
      revoked: false,
    });
  });

  it('counts the coupon’s repeat counts over all its codes, and a code’s own uses', async () => {
    const codes = await batch(5, 2);
    await redeem(codes[0]!, 'o1').expect(201);
    await redeem(codes[0]!, 'o2').expect(201);
    expect((await redeem(codes[0]!, 'o3').expect(422)).body.reason).toBe('CODE_LIMIT_REACHED');
    await redeem(codes[1]!, 'o4').expect(201);
    // userTotal 3: the fourth use by alice is refused whichever code she sends.
    expect((await redeem(codes[2]!, 'o5').expect(422)).body.reason).toBe(
      'USER_TOTAL_LIMIT_REACHED',
    );
    // CODE_LIMIT_REACHED comes before the coupon's counters.
    expect((await redeem(codes[0]!, 'o6').expect(422)).body.reason).toBe('CODE_LIMIT_REACHED');
    const unlimited = await batch(1, null);
    for (const orderId of ['u1', 'u2', 'u3'])
      await redeem(unlimited[0]!, orderId, 'bob').expect(201);
    expect(await globalUsed()).toBe(6);
  });

  it('refuses a revoked code first, before the coupon’s own rules', async () => {
    const [revoked, kept] = await batch(2);
    await t.delete(`/coupons/SAVE10/codes/${revoked}`).expect(200);
    expect((await redeem(revoked!, 'o1').expect(422)).body).toMatchObject({
      reason: 'CODE_REVOKED',
      couponCode: revoked,
      coupon: 'SAVE10',
    });
    await t.patch('/coupons/SAVE10', { active: false }).expect(200);
    expect((await redeem(revoked!, 'o2').expect(422)).body.reason).toBe('CODE_REVOKED');
    expect((await redeem(kept!, 'o3').expect(422)).body.reason).toBe('COUPON_INACTIVE');
    expect(await globalUsed()).toBe(0);
  });

  it('answers a forged or unknown body as an unknown coupon, counted as a guess', async () => {
    await batch(3);
    for (const orderId of ['g1', 'g2', 'g3']) {
      expect((await redeem(FORGED, orderId).expect(422)).body.reason).toBe('COUPON_NOT_FOUND');
    }
    expect((await redeem(FORGED, 'g4').expect(422)).body.reason).toBe('TOO_MANY_ATTEMPTS');
    expect(await globalUsed()).toBe(0);
  });

  it('does not count real codes against the REST client’s guess limit', async () => {
    const codes = await batch(5);
    for (const [i, code] of codes.entries()) await redeem(code, `o${i}`, i % 2 ? 'bob' : 'alice');
    expect(await globalUsed()).toBe(5);
  });

  it('accepts a code of a batch created after the worker cached its coupon', async () => {
    await t.post('/coupons', { code: 'PLAIN5', discountPercentage: 5, expiresAt: '2027-06-30' });
    const [first] = await batch(1);
    await redeem(first!, 'o1').expect(201); // the worker now holds SAVE10 with one batch
    const [later] = await batch(1);
    await redeem(later!, 'o2').expect(201);
    expect(await globalUsed()).toBe(2);
  });

  it('rolls back by the unique code or by the coupon’s code, giving the code its use back', async () => {
    const [code] = await batch(1);
    await redeem(code!, 'o1').expect(201);
    const rolledBack = await t
      .post('/redemptions/rollback', { couponCode: code, userId: 'alice', orderId: 'o1' })
      .expect(200);
    expect(rolledBack.body).toMatchObject({ status: 'rolled-back', couponCode: code });
    expect((await t.get(`/coupons/SAVE10/codes/${code}`).expect(200)).body.used).toBe(0);
    await redeem(code!, 'o2').expect(201);
    await t
      .post('/redemptions/rollback', { couponCode: 'save10', userId: 'alice', orderId: 'o2' })
      .expect(200);
    expect((await t.get(`/coupons/SAVE10/codes/${code}`).expect(200)).body.used).toBe(0);
    expect(await globalUsed()).toBe(0);

    const log = await t.get('/coupons/SAVE10/redemptions').expect(200);
    expect(
      log.body.items.map((e: { status: string; uniqueCode?: string }) => e.uniqueCode),
    ).toEqual([code, code, code, code]);
  });

  it('ends the codes with their coupon, yet still answers their orders', async () => {
    const [code] = await batch(1);
    const first = await redeem(code!, 'o1').expect(201);
    await t.delete('/coupons/SAVE10').expect(204);
    await t
      .post('/coupons', { code: 'SAVE10', discountPercentage: 10, expiresAt: '2027-06-30' })
      .expect(201);
    await batch(1);
    // An order decided before answers as it was; the code itself is no code of the new coupon.
    const replayed = await t.producer.add(JobName.Redeem, {
      couponCode: code!,
      userId: 'alice',
      orderId: 'o1',
    });
    expect(await outcomeOf(replayed.id!)).toEqual(first.body);
    expect((await redeem(code!, 'o2').expect(422)).body.reason).toBe('COUPON_NOT_FOUND');
    await t.get(`/coupons/SAVE10/codes/${code}`).expect(404);
  });

  it('removes the redeem job of a unique code’s order when the rollback names the coupon’s code', async () => {
    const [code] = await batch(1);
    const data = { couponCode: code!, userId: 'alice', orderId: 'o1' };
    const jobId = redemptionJobId(code!, 'o1');
    await t.producer.add(JobName.Redeem, data, { jobId });
    expect((await outcomeOf(jobId)).status).toBe('accepted');
    await t
      .post('/redemptions/rollback', { couponCode: 'SAVE10', userId: 'alice', orderId: 'o1' })
      .expect(200);
    // As the README promises: publishing the order again under its deterministic id adds a new job.
    expect(await t.producer.getJob(jobId)).toBeUndefined();
  });

  it('refuses a batch number that is not plain digits with 400, as the README says', async () => {
    await batch(1);
    for (const bad of ['1e0', '+1', '%201', '0x1', '1.0']) {
      const response = await t.get(`/coupons/SAVE10/code-batches/${bad}/codes?limit=1`);
      expect([bad, response.status]).toEqual([bad, 400]);
    }
  });

  it('refuses the order with another of the coupon’s codes, so no other job holds its acceptance', async () => {
    const [first, second] = await batch(2);
    const ids = [first!, second!, 'SAVE10'].map((code) => redemptionJobId(code, 'o1'));
    for (const [i, code] of [first!, second!, 'SAVE10'].entries()) {
      await t.producer.add(
        JobName.Redeem,
        { couponCode: code, userId: 'alice', orderId: 'o1' },
        { jobId: ids[i] },
      );
    }
    expect((await outcomeOf(ids[0]!)).status).toBe('accepted');
    for (const jobId of ids.slice(1)) {
      expect(await outcomeOf(jobId)).toMatchObject({
        status: 'rejected',
        reason: 'ORDER_CONFLICT',
      });
    }
    const used = async (code: string) =>
      (await t.get(`/coupons/SAVE10/codes/${code}`).expect(200)).body.used as number;
    expect([await used(first!), await used(second!)]).toEqual([1, 0]);

    await t
      .post('/redemptions/rollback', { couponCode: first, userId: 'alice', orderId: 'o1' })
      .expect(200);
    // With the first code's acceptance rolled back, the order may carry the second code.
    await t
      .post('/redemptions', { couponCode: second, userId: 'alice', orderId: 'o1' })
      .expect(201);
    expect([await used(first!), await used(second!)]).toEqual([0, 1]);
    expect((await t.get('/coupons/SAVE10/repeat-counts').expect(200)).body.globalUsed).toBe(1);
  });

  it('answers an offset past the batch, however many digits it has, with an empty page', async () => {
    await batch(3);
    for (const offset of ['3', '999999999', '1000000000', '123456789012345']) {
      const response = await t.get(`/coupons/SAVE10/code-batches/1/codes?offset=${offset}`);
      expect([offset, response.status, response.body]).toEqual([
        offset,
        200,
        { items: [], total: 3 },
      ]);
    }
    const huge = await t.get('/coupons/SAVE10/code-batches/1/codes?limit=10000000000');
    expect(huge.status).toBe(400);
    expect(huge.body.message).toEqual(['limit must be a whole number from 1 to 1000']);
  });
});
