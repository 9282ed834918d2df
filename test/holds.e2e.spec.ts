import type { Job, Queue } from 'bullmq';
import { redemptionJobId } from '../src/redemptions/redemption.contract.js';
import { jobsFinished, startApp, type TestApp } from './helpers.js';

/** Checkout holds through the queue, as an order system publishes them, on both stores. */
describe.each(['memory', 'redis'] as const)(
  'checkout holds through the queue (%s store)',
  (store) => {
    let t: TestApp;
    let queue: Queue;
    beforeEach(async () => {
      t = await startApp({ store });
      queue = t.producer as unknown as Queue;
      await t
        .post('/coupons', {
          code: 'HOLD1',
          discountPercentage: 10,
          expiresAt: '2026-12-31',
          repeatCounts: { globalTotal: 1 },
        })
        .expect(201);
      for (const id of ['alice', 'bob']) {
        await t.post('/users', { id, name: id, email: `${id}@example.com` }).expect(201);
      }
    });
    afterEach(async () => t.close());

    /** Publishes one job and answers its return value once the worker has finished it. */
    async function run(
      name: string,
      data: object,
      jobId?: string,
    ): Promise<Record<string, unknown>> {
      const finished = jobsFinished(t.app, 1);
      const job: Job = await queue.add(name, { couponCode: 'HOLD1', ...data }, { jobId });
      await finished;
      return (await queue.getJob(job.id!))!.returnvalue as Record<string, unknown>;
    }

    it('confirms a hold under an order id whose earlier redeem job was refused', async () => {
      const jobId = redemptionJobId('HOLD1', 'o1');
      await run('reserve', { userId: 'bob', orderId: 'o0' });
      // Bob's hold takes the only use: Alice's first try is refused, and that job stays finished.
      expect(await run('redeem', { userId: 'alice', orderId: 'o1' }, jobId)).toMatchObject({
        status: 'rejected',
        reason: 'GLOBAL_LIMIT_REACHED',
      });
      expect(await run('release', { userId: 'bob', orderId: 'o0' })).toMatchObject({
        status: 'released',
      });
      expect(await run('reserve', { userId: 'alice', orderId: 'o1' })).toMatchObject({
        status: 'reserved',
      });
      // Published again under the same deterministic id: a new job, which confirms the hold.
      expect(await run('redeem', { userId: 'alice', orderId: 'o1' }, jobId)).toMatchObject({
        status: 'accepted',
        hold: 'confirmed',
        remaining: { globalTotal: 0 },
      });
      const usage = await t.get('/coupons/HOLD1/repeat-counts').expect(200);
      expect(usage.body).toMatchObject({ globalUsed: 1 });
    });
  },
);
