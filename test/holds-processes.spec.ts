import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { UNLIMITED, type Coupon } from '../src/domain/coupon.js';
import {
  JobName,
  REDEMPTION_QUEUE,
  type JobData,
  type JobResult,
  type RedemptionOutcome,
  type ReleaseOutcome,
  type ReservationOutcome,
} from '../src/redemptions/redemption.contract.js';
import { EmbeddedRedis } from '../src/redis/embedded-redis.js';
import { redisStores, type Stores } from '../src/store/store.factory.js';
import { DEFAULT_STORE_OPTIONS } from '../src/store/store.options.js';
import { CouponRepository } from '../src/store/coupon.repository.js';
import { UsageLedger } from '../src/store/usage.ledger.js';
import { UserRepository } from '../src/store/user.repository.js';
import { startApp, TOKEN, uniquePrefix, type TestApp } from './helpers.js';
import { run, type Started } from './processes.js';

/**
 * Checkout holds across three worker processes on one Redis, one of them SIGKILLed mid-stream:
 * while the jobs run, uses counted plus uses held never pass the global cap (sampled from the
 * store, each sample one atomic step); at the end every job completed, and the coupon's count is
 * exactly the accepted redemptions (holds confirmed plus plain ones), each counted once although
 * BullMQ ran the killed worker's jobs again. The same stream and checks run first on one
 * in-process app with the memory store (no kill there: its state dies with its process).
 */

const NOW = Date.now();
const CODE = 'HOLDS';
const CAP = 50;
/** One order per user. */
const ORDERS = 1500;
/** How many jobs later an order's confirm or release comes after its reserve. */
const LAG = 30;
const TIMEOUT_MS = 60_000;
/** Periods do not matter here: with no user, counts read the global count and all live holds. */
const ANY_PERIODS = { day: '', week: '' };

type AnyJobName = `${JobName}`;
type HoldsQueue = Queue<JobData[JobName], JobResult[JobName], AnyJobName>;
/** The store ports this test reads and seeds through. */
type StoreView = Pick<Stores, 'coupons' | 'users' | 'ledger'>;
type Published = { name: AnyJobName; data: JobData[JobName]; opts: { attempts: number } };

// The service processes write keys this file's clients never name: a redis-server of its own.
let redisServer: EmbeddedRedis;
let REDIS_URL: string;
beforeAll(async () => {
  redisServer = await EmbeddedRedis.start();
  REDIS_URL = redisServer.url;
});
afterAll(async () => redisServer?.stop());

/**
 * What order i does (i % 10): 0 a plain redeem; 1-2 reserve, then release; 3 reserve and abandon
 * (a 1 s hold that expires during the run); 4-9 reserve, then redeem (a confirm, or, when the
 * 1 s hold of every 7th has expired by then, a redeem decided afresh).
 */
function jobsOf(i: number): { first: Published; then?: Published } {
  const order = { couponCode: CODE, userId: `user-${i}`, orderId: `order-${i}` };
  const opts = { attempts: 3 };
  const kind = i % 10;
  if (kind === 0) return { first: { name: JobName.Redeem, data: order, opts } };
  const ttlSeconds = kind === 3 || i % 7 === 0 ? 1 : 60;
  const first: Published = { name: JobName.Reserve, data: { ...order, ttlSeconds }, opts };
  if (kind === 3) return { first };
  const name = kind <= 2 ? JobName.Release : JobName.Redeem;
  return { first, then: { name, data: order, opts } };
}

/** Every order's jobs, each follow-up LAG jobs after its reserve, so holds live meanwhile. */
function stream(): Published[] {
  const jobs: Published[] = [];
  const pending: (Published | undefined)[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const { first, then } = jobsOf(i);
    jobs.push(first);
    pending.push(then);
    const due = pending.length > LAG ? pending.shift() : undefined;
    if (due) jobs.push(due);
  }
  for (const due of pending) if (due) jobs.push(due);
  return jobs;
}

async function seed(store: StoreView) {
  const coupon: Coupon = {
    code: CODE,
    discountPercentage: 10,
    startsAt: null,
    expiresAt: NOW + 7 * 24 * 3600_000,
    active: true,
    description: null,
    repeatCounts: { ...UNLIMITED, globalTotal: CAP },
    createdAt: NOW,
    updatedAt: NOW,
    born: '',
    version: 1,
  };
  await store.coupons.create(coupon);
  for (let from = 0; from < ORDERS; from += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, ORDERS - from) }, (_, k) =>
        store.users.create({
          id: `user-${from + k}`,
          name: `User ${from + k}`,
          email: `user-${from + k}@example.com`,
          createdAt: NOW,
        }),
      ),
    );
  }
}

/** Polls the queue until `count` jobs have finished, for at most `ms`. */
async function allFinished(producer: HoldsQueue, count: number, ms = 45_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const { completed, failed } = await producer.getJobCounts('completed', 'failed');
    if (completed + failed >= count) return { completed, failed };
    if (Date.now() > deadline)
      throw new Error(`only ${completed + failed} of ${count} jobs finished in ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Samples used + held (one atomic store step each) until stopped; keeps the largest seen. */
function sampler(ledger: UsageLedger, now: () => number) {
  let running = true;
  const seen = { samples: 0, maxUsedOrHeld: 0, maxHeld: 0 };
  // A failing sample ends the loop; stop() rethrows it (no rejection left unhandled meanwhile).
  const loop = (async () => {
    while (running) {
      const { used, held } = await ledger.counts(CODE, undefined, ANY_PERIODS, now());
      seen.samples += 1;
      seen.maxUsedOrHeld = Math.max(seen.maxUsedOrHeld, used.globalTotal + held.globalTotal);
      seen.maxHeld = Math.max(seen.maxHeld, held.globalTotal);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })().then(
    () => undefined,
    (error: unknown) => error,
  );
  return {
    async stop() {
      running = false;
      return { seen, error: await loop };
    },
  };
}

interface Target {
  store: StoreView;
  producer: HoldsQueue;
  /** The service's clock. */
  now: () => number;
  /** Runs once a quarter of the jobs have completed. */
  midway?: () => Promise<void>;
}

/** Publishes the stream, samples used + held while it runs, and checks the end state. */
async function runAndCheck({ store, producer, now, midway }: Target) {
  await seed(store);
  const jobs = stream();
  const sampling = sampler(store.ledger, now);
  let sampled: Awaited<ReturnType<typeof sampling.stop>>;
  try {
    await producer.addBulk(jobs);
    while ((await producer.getCompletedCount()) < jobs.length / 4)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await midway?.();
    expect(await allFinished(producer, jobs.length)).toEqual({
      completed: jobs.length,
      failed: 0,
    });
  } finally {
    sampled = await sampling.stop();
  }
  if (sampled.error) throw sampled.error;
  const { seen } = sampled;

  const finished = await producer.getJobs(['completed'], 0, -1);
  const of = <T>(name: JobName) =>
    finished.filter((job) => job.name === name).map((job) => job.returnvalue as T);
  const redeems = of<RedemptionOutcome>(JobName.Redeem);
  const reserves = of<ReservationOutcome>(JobName.Reserve);
  const releases = of<ReleaseOutcome>(JobName.Release);
  const accepted = redeems.filter((outcome) => outcome.status === 'accepted');
  const confirmed = accepted.filter((outcome) => outcome.hold === 'confirmed');
  const reservedBy = new Map(
    reserves
      .filter((outcome) => outcome.status === 'reserved')
      .map((outcome) => [outcome.orderId, outcome.userId]),
  );
  const end = await store.ledger.counts(CODE, undefined, ANY_PERIODS, now());

  expect({
    redeems: redeems.length,
    reserves: reserves.length,
    releases: releases.length,
    distinctAcceptedOrders: new Set(accepted.map((outcome) => outcome.orderId)).size,
    storedUsed: end.used.globalTotal,
    withinCapAtEnd: end.used.globalTotal + end.held.globalTotal <= CAP,
    withinCapWhileRunning: seen.maxUsedOrHeld <= CAP,
    confirmedOwnHolds: confirmed.every((o) => reservedBy.get(o.orderId ?? '') === o.userId),
  }).toEqual({
    redeems: jobs.filter((job) => job.name === JobName.Redeem).length,
    reserves: jobs.filter((job) => job.name === JobName.Reserve).length,
    releases: jobs.filter((job) => job.name === JobName.Release).length,
    distinctAcceptedOrders: accepted.length,
    storedUsed: accepted.length,
    withinCapAtEnd: true,
    withinCapWhileRunning: true,
    confirmedOwnHolds: true,
  });
  // The run did what it is about: holds lived while sampled, were confirmed, released and
  // refused at the cap, and the cap was reached.
  expect(seen.samples).toBeGreaterThan(20);
  expect(seen.maxHeld).toBeGreaterThan(0);
  expect(seen.maxUsedOrHeld).toBe(CAP);
  expect(confirmed.length).toBeGreaterThan(0);
  expect(releases.some((outcome) => outcome.status === 'released')).toBe(true);
  expect(reserves.some((outcome) => outcome.reason === 'GLOBAL_LIMIT_REACHED')).toBe(true);
  return { accepted: accepted.length, confirmed: confirmed.length, samples: seen.samples };
}

describe('checkout holds under a stream of reserve, redeem and release jobs', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it(
    `one in-process app, memory store, 8 concurrent jobs: used + held within a global cap of ${CAP}, each accepted redemption counted once`,
    async () => {
      const t: TestApp = await startApp({
        redisUrl: REDIS_URL,
        store: 'memory',
        workerConcurrency: 8,
      });
      cleanups.push(() => t.close());
      const producer: HoldsQueue = new Queue(REDEMPTION_QUEUE, {
        connection: { url: REDIS_URL },
        prefix: t.config.queuePrefix,
      });
      cleanups.push(() => producer.close());
      // The app's clock runs 5 times faster than real time, so 1 s holds expire during the run.
      const ticking = setInterval(
        () => t.clock.set(new Date(t.clock.now() + 100).toISOString()),
        20,
      );
      cleanups.push(async () => clearInterval(ticking));
      const store = {
        coupons: t.app.get(CouponRepository),
        users: t.app.get(UserRepository),
        ledger: t.app.get(UsageLedger),
      };
      await runAndCheck({ store, producer, now: () => t.clock.now() });
    },
    TIMEOUT_MS,
  );

  it(
    `three worker processes, Redis store, one SIGKILLed mid-stream: used + held within a global cap of ${CAP}, each accepted redemption counted once`,
    async () => {
      const queuePrefix = uniquePrefix();
      const storePrefix = uniquePrefix();
      const redis = new Redis(REDIS_URL);
      cleanups.push(() => redis.quit());
      const store = redisStores(redis, {
        ...DEFAULT_STORE_OPTIONS,
        prefix: storePrefix,
        outcomeTtlMs: 3600_000,
        logTtlMs: 0,
      });
      const producer: HoldsQueue = new Queue(REDEMPTION_QUEUE, {
        connection: { url: REDIS_URL },
        prefix: queuePrefix,
      });
      cleanups.push(() => producer.close());
      const processes: Started[] = [];
      cleanups.push(async () => {
        for (const service of processes) service.kill('SIGKILL');
        await Promise.all(processes.map((service) => service.exitCode));
      });
      const workers = await Promise.all(
        [1, 2, 3].map(() => {
          const service = run({
            REDIS_URL,
            QUEUE_PREFIX: queuePrefix,
            STORE: 'redis',
            STORE_PREFIX: storePrefix,
            ADMIN_TOKEN: TOKEN,
            JOB_LOCK_MS: '2000',
            PORT: '0',
            ROLE: 'worker',
            WORKER_CONCURRENCY: '8',
          });
          processes.push(service);
          return service.waitFor(/worker running/).then(() => service);
        }),
      );
      await runAndCheck({
        store,
        producer,
        now: Date.now,
        midway: async () => {
          workers[0]!.kill('SIGKILL');
          expect(await workers[0]!.exitCode).toBeNull();
        },
      });
    },
    TIMEOUT_MS,
  );
});
