import { JobName, redemptionJobId } from '../src/redemptions/redemption.contract.js';
import { startApp, type TestApp } from './helpers.js';

describe.each(['memory', 'redis'] as const)('unique codes under review (%s store)', (store) => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startApp({ store }, '2026-11-25T12:00:00Z');
    await t
      .post('/coupons', {
        code: 'SAVE10',
        discountPercentage: 10,
        expiresAt: '2027-06-30',
        repeatCounts: { globalTotal: 100 },
      })
      .expect(201);
    for (const id of ['alice', 'bob']) {
      await t.post('/users', { id, name: id, email: `${id}@example.com` }).expect(201);
    }
  });
  afterEach(async () => t.close());

  async function batch(count: number, usesPerCode: number | null = 1, coupon = 'SAVE10') {
    const created = await t
      .post(`/coupons/${coupon}/code-batches`, { count, usesPerCode })
      .expect(201);
    const page = await t
      .get(`/coupons/${coupon}/code-batches/${created.body.batch}/codes?offset=0&limit=${count}`)
      .expect(200);
    return page.body.items as string[];
  }

  async function outcomeOf(jobId: string) {
    for (let i = 0; i < 100; i++) {
      const answer = await t.get(`/redemptions/${encodeURIComponent(jobId)}`).expect(200);
      if (answer.body.status !== 'pending') return answer.body;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`job ${jobId} still pending`);
  }

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
