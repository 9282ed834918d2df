import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { addUnlessAnswered } from '../src/jobs/job.status.js';
import { JobWaiter } from '../src/jobs/job.waiter.js';
import { QueueEventsRelay } from '../src/jobs/queue-events.relay.js';
import { RESET_QUEUE } from '../src/jobs/queue.contract.js';
import { deleteKeys, REDIS_URL, startApp, uniquePrefix } from './helpers.js';

/** Polls `check` until it holds, for at most `ms`. */
async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('JobWaiter through a QueueEventsRelay (the worker in another process)', () => {
  const prefix = uniquePrefix();
  const connection = { url: REDIS_URL };
  const queue = new Queue('waited', { connection, prefix });
  const waiter = new JobWaiter();
  const relay = new QueueEventsRelay({
    connection,
    idleMs: 200,
    onEnd: (name, jobId, end) => waiter.settle(name, jobId, end),
  });
  waiter.listenThrough(relay);
  let worker: Worker | undefined;

  afterAll(async () => {
    await worker?.close();
    await relay.close();
    await queue.close();
    await deleteKeys(prefix);
  });

  it('subscribes only while someone waits, and hears the end a worker elsewhere reports', async () => {
    expect(relay.isSubscribed(queue.qualifiedName)).toBe(false);
    worker = new Worker(
      'waited',
      async (job) => {
        const { n } = job.data as { n: unknown };
        if (typeof n !== 'number') throw new Error('not a number');
        return { doubled: n * 2 };
      },
      { connection, prefix },
    );
    const settlement = await waiter.publishAndWait(queue, 'job-1', 5000, async () => {
      expect(relay.isSubscribed(queue.qualifiedName)).toBe(true); // subscribed before publishing
      await queue.add('double', { n: 21 }, { jobId: 'job-1' });
    });
    expect(settlement).toEqual({ kind: 'completed', value: { doubled: 42 } });
    // Nobody waits any more: the subscriber closes after idleMs.
    await eventually(() => !relay.isSubscribed(queue.qualifiedName));
  });

  it('answers from the job itself when it had already finished, and hears failures', async () => {
    const settlement = await waiter.publishAndWait(queue, 'job-1', 5000, () =>
      addUnlessAnswered(queue, 'double', { n: 1 }, { jobId: 'job-1' }),
    );
    expect(settlement).toEqual({ kind: 'completed', value: { doubled: 42 } }); // the earlier job's
    const failed = await waiter.publishAndWait(queue, 'job-2', 5000, async () => {
      await queue.add('double', { n: 'x' }, { jobId: 'job-2', attempts: 1 });
    });
    expect(failed).toEqual({ kind: 'failed', error: 'not a number' });
  });

  /** Late news of an earlier job under `jobId` that failed, as a lagging subscriber reads it. */
  async function staleFailure(jobId: string): Promise<void> {
    const client = (await queue.backend.client) as unknown as Redis;
    await client.xadd(
      queue.keys.events,
      '*',
      'event',
      'failed',
      'jobId',
      jobId,
      'failedReason',
      'an earlier job failed',
      'prev',
      'active',
    );
  }

  it("ignores a late 'failed' event of the failed job a publish replaces", async () => {
    await queue.add('double', { n: 'x' }, { jobId: 'job-4', attempts: 1 });
    while ((await queue.getJobState('job-4')) !== 'failed') {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await worker!.pause();
    const settlement = waiter.publishAndWait(queue, 'job-4', 5000, async () => {
      // Heard while the failed job is still there, before this publish replaces it.
      await staleFailure('job-4');
      await new Promise((resolve) => setTimeout(resolve, 200));
      return addUnlessAnswered(queue, 'double', { n: 4 }, { jobId: 'job-4' });
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    worker!.resume();
    expect(await settlement).toEqual({ kind: 'completed', value: { doubled: 8 } });
  });

  it("ignores a late 'failed' event of an earlier job under the same id heard after publishing", async () => {
    await worker!.pause();
    const settlement = waiter.publishAndWait(queue, 'job-5', 5000, async () => {
      await queue.add('double', { n: 5 }, { jobId: 'job-5' });
    });
    await staleFailure('job-5');
    await new Promise((resolve) => setTimeout(resolve, 300));
    worker!.resume();
    expect(await settlement).toEqual({ kind: 'completed', value: { doubled: 10 } });
  });

  it("settles 'pending' after the timeout when no end comes", async () => {
    await worker!.pause();
    const settlement = await waiter.publishAndWait(queue, 'job-3', 100, async () => {
      await queue.add('double', { n: 2 }, { jobId: 'job-3' });
    });
    expect(settlement).toEqual({ kind: 'pending' });
    worker!.resume();
  });
});

describe('the REST API and the QueueEvents relay (redis store, ROLE=all)', () => {
  it('subscribes only once a request waits for a job', async () => {
    const t = await startApp({ store: 'redis' });
    try {
      const relay = t.app.get(QueueEventsRelay);
      const resets = `${t.config.queuePrefix}:${RESET_QUEUE}`;
      expect(relay.isSubscribed(resets)).toBe(false);
      await t.post('/admin/resets/daily').expect(200);
      expect(relay.isSubscribed(resets)).toBe(true);
    } finally {
      await t.close();
    }
  });
});
