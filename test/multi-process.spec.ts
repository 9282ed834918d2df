import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { UNLIMITED, type Coupon } from '../src/domain/coupon.js';
import {
  JobName,
  REDEMPTION_QUEUE,
  redemptionJobId,
} from '../src/redemptions/redemption.contract.js';
import { redisStores, type Stores } from '../src/store/store.factory.js';
import { DEFAULT_STORE_OPTIONS } from '../src/store/store.options.js';
import { EmbeddedRedis } from '../src/redis/embedded-redis.js';
import { TOKEN, uniquePrefix, type RedemptionQueue } from './helpers.js';
import { run, type Started } from './processes.js';

const NOW = Date.now();
const USERS = 1000;
const JOBS = 6000;
const TIMEOUT_MS = 120_000;

/**
 * The service processes write keys this file's clients never name (see redis-keys.ts), so they run
 * on a redis-server of this file's own, stopped at the end, instead of on the shared test Redis.
 */
let redisServer: EmbeddedRedis;
let REDIS_URL: string;
beforeAll(async () => {
  redisServer = await EmbeddedRedis.start();
  REDIS_URL = redisServer.url;
});
afterAll(async () => redisServer?.stop());

/** Three worker processes, a producer and a store view on one Redis, each test with its own prefixes. */
function cluster() {
  const queuePrefix = uniquePrefix();
  const storePrefix = uniquePrefix();
  const env = {
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    STORE: 'redis',
    STORE_PREFIX: storePrefix,
    ADMIN_TOKEN: TOKEN,
    JOB_LOCK_MS: '2000',
    PORT: '0', // any free port; tests that call a process give it its own
  };
  const redis = new Redis(REDIS_URL);
  const store = redisStores(redis, {
    ...DEFAULT_STORE_OPTIONS,
    prefix: storePrefix,
    outcomeTtlMs: 3600_000,
    logTtlMs: 0,
  });
  const producer: RedemptionQueue = new Queue(REDEMPTION_QUEUE, {
    connection: { url: REDIS_URL },
    prefix: queuePrefix,
  });
  const processes: Started[] = [];
  return {
    env,
    store,
    producer,
    start(extra: Record<string, string>, ready: RegExp) {
      const service = run({ ...env, ...extra });
      processes.push(service);
      return service.waitFor(ready).then(() => service);
    },
    async close() {
      for (const service of processes) service.kill('SIGKILL');
      await Promise.all(processes.map((service) => service.exitCode));
      await producer.close();
      await redis.quit();
    },
  };
}

async function seed(store: Stores) {
  const coupon: Coupon = {
    code: 'RUSH',
    discountPercentage: 25,
    startsAt: null,
    expiresAt: NOW + 7 * 24 * 3600_000,
    active: true,
    description: null,
    repeatCounts: { ...UNLIMITED, globalTotal: 500, userDaily: 2 },
    createdAt: NOW,
    updatedAt: NOW,
    born: '',
    version: 1,
  };
  await store.coupons.create(coupon);
  for (let i = 0; i < USERS; i++) {
    await store.users.create({
      id: `user-${i}`,
      name: `User ${i}`,
      email: `user-${i}@example.com`,
      createdAt: NOW,
    });
  }
}

function publish(producer: RedemptionQueue) {
  return producer.addBulk(
    Array.from({ length: JOBS }, (_, i) => ({
      name: JobName.Redeem,
      // Six orders per user in a row, so the daily cap of 2 binds long before the global cap.
      data: {
        couponCode: 'RUSH',
        userId: `user-${Math.floor((i * USERS) / JOBS)}`,
        orderId: `order-${i}`,
      },
      opts: { jobId: redemptionJobId('RUSH', `order-${i}`), attempts: 3 },
    })),
  );
}

/** Polls the queue until `count` jobs have finished, for at most `ms`. */
async function allFinished(producer: RedemptionQueue, count: number, ms = 90_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const { completed, failed } = await producer.getJobCounts('completed', 'failed');
    if (completed + failed >= count) return { completed, failed };
    if (Date.now() > deadline)
      throw new Error(`only ${completed + failed} of ${count} jobs finished in ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function checkCaps(c: ReturnType<typeof cluster>) {
  const jobs = await c.producer.getJobs(['completed'], 0, -1);
  const accepted = jobs
    .map((job) => job.returnvalue)
    .filter((outcome) => outcome.status === 'accepted');
  const perUser = new Map<string, number>();
  for (const outcome of accepted)
    perUser.set(outcome.userId, (perUser.get(outcome.userId) ?? 0) + 1);
  const stored = await c.store.ledger.usage('RUSH', undefined, { day: '', week: '' });
  return {
    completed: jobs.length,
    accepted: accepted.length,
    distinctAcceptedOrders: new Set(accepted.map((outcome) => outcome.orderId)).size,
    mostByOneUser: Math.max(...perUser.values()),
    refusedForTheDailyCap: jobs.some(
      (job) => job.returnvalue.reason === 'USER_DAILY_LIMIT_REACHED',
    ),
    storedGlobalUsed: stored.globalTotal,
  };
}

describe('service processes sharing one Redis', () => {
  let c: ReturnType<typeof cluster>;
  afterEach(async () => c.close());

  it(
    'keep a global cap of 500 and a daily cap of 2 exact over 6,000 redemptions',
    async () => {
      c = cluster();
      await seed(c.store);
      await Promise.all(
        [1, 2, 3].map(() => c.start({ ROLE: 'worker', WORKER_CONCURRENCY: '8' }, /worker running/)),
      );
      await publish(c.producer);
      expect(await allFinished(c.producer, JOBS)).toEqual({ completed: JOBS, failed: 0 });
      expect(await checkCaps(c)).toEqual({
        completed: JOBS,
        accepted: 500,
        distinctAcceptedOrders: 500,
        mostByOneUser: 2,
        refusedForTheDailyCap: true,
        storedGlobalUsed: 500,
      });
    },
    TIMEOUT_MS,
  );

  it(
    'lose no job and count no order twice when a worker is killed mid-burst',
    async () => {
      c = cluster();
      await seed(c.store);
      const workers = await Promise.all(
        [1, 2, 3].map(() => c.start({ ROLE: 'worker', WORKER_CONCURRENCY: '8' }, /worker running/)),
      );
      await publish(c.producer);
      while ((await c.producer.getCompletedCount()) < JOBS / 4)
        await new Promise((r) => setTimeout(r, 20));
      workers[0]!.kill('SIGKILL');
      expect(await workers[0]!.exitCode).toBeNull();

      expect(await allFinished(c.producer, JOBS)).toEqual({ completed: JOBS, failed: 0 });
      const caps = await checkCaps(c);
      expect(caps).toEqual({
        completed: JOBS,
        accepted: caps.storedGlobalUsed,
        distinctAcceptedOrders: caps.storedGlobalUsed,
        mostByOneUser: 2,
        refusedForTheDailyCap: true,
        storedGlobalUsed: 500,
      });
    },
    TIMEOUT_MS,
  );

  it(
    'keep coupons, limits, usage and first outcomes across a restart of the whole service',
    async () => {
      c = cluster();
      // PORT 0: the process binds a free port itself (one picked here could be taken meanwhile).
      const first = await c.start({}, /listening on port/);
      const [, port] = await first.waitFor(/listening on port (\d+)/);
      const api = `http://127.0.0.1:${port}`;
      const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
      const post = (path: string, body: object) =>
        fetch(`${api}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      const get = async (path: string) => (await fetch(`${api}${path}`, { headers })).json();

      expect(
        (
          await post('/coupons', {
            code: 'KEEP',
            discountPercentage: 10,
            expiresAt: '2099-12-31',
            repeatCounts: { userTotal: 3 },
          })
        ).status,
      ).toBe(201);
      expect(
        (await post('/users', { id: 'alice', name: 'Alice', email: 'alice@example.com' })).status,
      ).toBe(201);
      const accepted = await (
        await post('/redemptions', { couponCode: 'KEEP', userId: 'alice', orderId: 'o-1' })
      ).json();
      expect(accepted).toMatchObject({ status: 'accepted', remaining: { userTotal: 2 } });

      first.kill('SIGTERM');
      expect(await first.exitCode).toBe(0);
      await c.start({ PORT: port! }, /listening on port/);

      expect(await get('/coupons/KEEP')).toMatchObject({
        code: 'KEEP',
        repeatCounts: { userTotal: 3 },
      });
      expect(await get('/users/alice')).toMatchObject({ id: 'alice' });
      expect(await get('/coupons/KEEP/usage/alice')).toMatchObject({
        userTotal: { used: 1, remaining: 2 },
      });
      // The same order under a new job id, as a producer's retry after the restart.
      const replay = await c.producer.add(JobName.Redeem, {
        couponCode: 'KEEP',
        userId: 'alice',
        orderId: 'o-1',
      });
      while (!(await replay.isCompleted())) await new Promise((r) => setTimeout(r, 20));
      expect((await c.producer.getJob(replay.id!))!.returnvalue).toEqual(accepted);
      expect(await get('/coupons/KEEP/usage/alice')).toMatchObject({ userTotal: { used: 1 } });
    },
    TIMEOUT_MS,
  );

  it(
    'split into an API process and a worker process',
    async () => {
      c = cluster();
      await c.start({ ROLE: 'worker' }, /worker running/);
      const api = await c.start({ ROLE: 'api' }, /listening on port/);
      const [, port] = await api.waitFor(/listening on port (\d+)/);
      const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
      const post = (path: string, body?: object) =>
        fetch(`http://127.0.0.1:${port}${path}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body ?? {}),
        });

      expect(
        (await post('/coupons', { code: 'SPLIT', discountPercentage: 10, expiresAt: '2099-12-31' }))
          .status,
      ).toBe(201);
      expect(
        (await post('/users', { id: 'bob', name: 'Bob', email: 'bob@example.com' })).status,
      ).toBe(201);
      // The API process has no worker: the decision comes from the worker process through QueueEvents.
      const redeemed = await post('/redemptions', {
        couponCode: 'SPLIT',
        userId: 'bob',
        orderId: 'o-1',
      });
      expect(redeemed.status).toBe(201);
      expect(await redeemed.json()).toMatchObject({ status: 'accepted', couponCode: 'SPLIT' });
      const reset = await post('/admin/resets/daily');
      expect(reset.status).toBe(200);
      // A manual reset forgives today's use too.
      expect(await reset.json()).toMatchObject({
        window: 'daily',
        trigger: 'manual',
        countersReset: 1,
      });
    },
    TIMEOUT_MS,
  );

  it(
    'finish the job in hand on SIGTERM, exit 0, and lose or double nothing across the restart',
    async () => {
      c = cluster();
      await seed(c.store);
      const first = await c.start({ ROLE: 'worker' }, /worker running/);
      const jobs = 2000;
      await c.producer.addBulk(
        Array.from({ length: jobs }, (_, i) => ({
          name: JobName.Redeem,
          data: { couponCode: 'RUSH', userId: `user-${i % USERS}`, orderId: `stop-${i}` },
          opts: { jobId: redemptionJobId('RUSH', `stop-${i}`) },
        })),
      );
      while ((await c.producer.getCompletedCount()) < 50)
        await new Promise((r) => setTimeout(r, 5));
      first.kill('SIGTERM');
      expect(await first.exitCode).toBe(0);
      const atStop = await c.producer.getJobCounts('completed', 'failed', 'active', 'wait');
      expect(atStop).toMatchObject({ failed: 0, active: 0 });
      expect(atStop.completed).toBeLessThan(jobs);

      await c.start({ ROLE: 'worker' }, /worker running/);
      expect(await allFinished(c.producer, jobs)).toEqual({ completed: jobs, failed: 0 });
      const outcomes = (await c.producer.getJobs(['completed'], 0, -1)).map(
        (job) => job.returnvalue,
      );
      const accepted = outcomes.filter((outcome) => outcome.status === 'accepted');
      expect(new Set(outcomes.map((outcome) => outcome.orderId)).size).toBe(jobs);
      expect(accepted).toHaveLength(500);
      expect(
        (await c.store.ledger.usage('RUSH', undefined, { day: '', week: '' })).globalTotal,
      ).toBe(500);
    },
    TIMEOUT_MS,
  );
});
