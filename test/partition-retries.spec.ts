import { setTimeout as sleep } from 'node:timers/promises';
import { partitionOf } from '../packages/client/src/partitions.js';
import { RedemptionQueues } from '../src/jobs/redemption-queues.js';
import { redemptionJobId, rollbackJobId } from '../src/jobs/job.ids.js';
import {
  RedemptionProcessor,
  redemptionWorkerToken,
} from '../src/redemptions/redemption.processor.js';
import { JobName } from '../src/redemptions/redemption.contract.js';
import { startApp, type TestApp } from './helpers.js';

/**
 * A producer that knows only QUEUE_PREFIX publishes to partition 0, the REST API and the typed
 * client to partitionOf(jobId, N) (and QUEUE_PARTITIONS may change between deployments). A retry
 * that added a second job for the order in its own partition could run after a rollback of the
 * first and count the cancelled order again (found by review; failed before the fix): a retry is
 * answered by the order's job wherever it is.
 */
describe('an order queued in two partitions, rolled back in between', () => {
  let t: TestApp;
  const CODE = 'RESURRECT';

  beforeAll(async () => {
    // The retry must be answered while partition k's worker is paused: 3 s leaves room on a loaded
    // machine (300 ms once ran out in CI); a retry waiting on a job in k would still time out.
    t = await startApp({ store: 'redis', queuePartitions: 3, redemptionWaitMs: 3000 });
    await t
      .post('/coupons', { code: CODE, discountPercentage: 10, expiresAt: '2099-12-31' })
      .expect(201);
    await t.post('/users', { id: 'alice', name: 'Alice', email: 'alice@example.com' }).expect(201);
  });

  afterAll(async () => t.close());

  async function finished(queueIndex: number, jobId: string): Promise<unknown> {
    const queue = t.app.get(RedemptionQueues).all[queueIndex]!;
    for (let i = 0; i < 200; i++) {
      const job = await queue.getJob(jobId);
      // Read again once completed: a job read while it ran has no return value yet.
      if (job && (await job.getState()) === 'completed')
        return (await queue.getJob(jobId))!.returnvalue;
      await sleep(25);
    }
    throw new Error(`${jobId} did not complete in partition ${queueIndex}`);
  }

  it('does not count the cancelled order again when its pre-rollback retry runs later', async () => {
    // An order whose job id partitionOf sends away from partition 0.
    const orderId = Array.from({ length: 100 }, (_, i) => `order-${i}`).find(
      (id) => partitionOf(redemptionJobId(CODE, id), 3) !== 0,
    )!;
    const jobId = redemptionJobId(CODE, orderId);
    const k = partitionOf(jobId, 3);
    const data = { couponCode: CODE, userId: 'alice', orderId };

    // 1. A producer that knows only QUEUE_PREFIX publishes the order to partition 0: accepted.
    await t.producer.add(JobName.Redeem, data, { jobId });
    expect(await finished(0, jobId)).toMatchObject({ status: 'accepted' });
    expect((await t.get(`/coupons/${CODE}/repeat-counts`).expect(200)).body).toMatchObject({
      globalUsed: 1,
    });

    // 2. The order system, not having heard back, retries over REST. partitionOf sends it to
    //    partition k, whose worker is behind (paused here); it is answered by the job in
    //    partition 0 instead, and adds none in k.
    const workerK = t.app.get<RedemptionProcessor>(redemptionWorkerToken(k), {
      strict: false,
    }).worker;
    await workerK.pause();
    const retry = await t.post('/redemptions', data);
    expect(retry.body).toMatchObject({ status: 'accepted', orderId });
    expect(await t.app.get(RedemptionQueues).all[k]!.getJob(jobId)).toBeUndefined();

    // 3. The order is cancelled: a rollback (as the typed client publishes it) in a partition
    //    whose worker runs.
    const rollbackId = Array.from({ length: 100 }, (_, i) =>
      rollbackJobId(CODE, orderId, `r${i}`),
    ).find((id) => partitionOf(id, 3) !== k)!;
    const p = partitionOf(rollbackId, 3);
    await t.app.get(RedemptionQueues).all[p]!.add(JobName.Rollback, data, { jobId: rollbackId });
    expect(await finished(p, rollbackId)).toMatchObject({ status: 'rolled-back' });
    expect((await t.get(`/coupons/${CODE}/repeat-counts`).expect(200)).body).toMatchObject({
      globalUsed: 0,
    });

    // 4. Partition k's worker catches up: nothing of this order waits there.
    workerK.resume();
    await sleep(300);
    // The order was cancelled and nobody redeemed it since: it must not count.
    expect((await t.get(`/coupons/${CODE}/repeat-counts`).expect(200)).body).toMatchObject({
      globalUsed: 0,
    });
  }, 30_000);
});
