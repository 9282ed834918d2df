/** What the bench orchestrator (run.ts) and its child processes share. */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { JobsOptions } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import type { AppConfig } from '../src/config/app-config.js';
import type { Coupon, RepeatCounts } from '../src/domain/coupon.js';
import { codeCipher } from '../src/domain/unique-codes.js';
import {
  JobName,
  redemptionJobId,
  type RedeemJobData,
} from '../src/redemptions/redemption.contract.js';

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TOKEN = 'bench-admin-token-0123456789';
/** Registered users every contender's jobs come from. */
export const USERS = 1000;
/** Users that send half of all requests, so per-user caps are hit long before the global one. */
export const HOT_USERS = 50;

/**
 * The service's job options for the REST API's jobs (src/redemptions/redemptions.module.ts, with
 * IDEMPOTENCY_TTL_HOURS 168): every contender, the bare worker too, gets exactly these.
 */
export const JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 200 },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export const userId = (n: number) => `u${n}`;

/** Even jobs go round-robin over all users, odd ones round-robin over the hot users. */
export const userOfJob = (i: number) => (i % 2 === 0 ? (i / 2) % USERS : ((i - 1) / 2) % HOT_USERS);

/**
 * Limits for n jobs: userTotal binds for the hot users (USER_TOTAL_LIMIT_REACHED early), then the
 * global cap (0.4 n) binds (GLOBAL_LIMIT_REACHED). Daily and weekly limits are counted but set
 * above userTotal, so a run that crosses midnight decides the same.
 */
export function limitsFor(n: number): RepeatCounts {
  const perUser = Math.max(1, Math.floor(n / (2 * USERS)));
  return {
    globalTotal: Math.floor(0.4 * n),
    userTotal: perUser,
    userDaily: perUser + 2,
    userWeekly: perUser + 4,
  };
}

/** Each of `coupons` coupons sharing n jobs round-robin gets the limits of its share. */
export const couponLimits = (n: number, coupons: number): RepeatCounts =>
  limitsFor(Math.floor(n / coupons));

/**
 * The exact number of accepted redemptions of each coupon when n jobs go round-robin over
 * `coupons` coupons, each under couponLimits(n, coupons).
 */
export function expectedAcceptedByCoupon(n: number, coupons: number): number[] {
  const limits = couponLimits(n, coupons);
  const perUserCap = Math.min(limits.userTotal!, limits.userDaily!, limits.userWeekly!);
  return Array.from({ length: coupons }, (_, c) => {
    const requests = new Map<number, number>();
    for (let i = c; i < n; i += coupons)
      requests.set(userOfJob(i), (requests.get(userOfJob(i)) ?? 0) + 1);
    let sum = 0;
    for (const count of requests.values()) sum += Math.min(perUserCap, count);
    return Math.min(limits.globalTotal!, sum);
  });
}

/** The exact number of accepted redemptions n jobs must give under limitsFor(n). */
export function expectedAccepted(n: number): number {
  return expectedAcceptedByCoupon(n, 1)[0]!;
}

export interface BulkJob {
  name: string;
  data: RedeemJobData;
  opts: JobsOptions;
}

/**
 * Jobs from..to-1 of a run, with distinct orderIds and the contract's deterministic job ids; with
 * several codes, job i redeems codes[i % codes.length], or with `uniqueCode` that coupon's code i.
 */
export function jobs(
  codes: string | readonly string[],
  tag: string,
  from: number,
  to: number,
  uniqueCode?: (coupon: string, i: number) => string,
): BulkJob[] {
  const out: BulkJob[] = [];
  for (let i = from; i < to; i++) {
    const orderId = `${tag}-${i}`;
    const coupon = typeof codes === 'string' ? codes : codes[i % codes.length]!;
    const code = uniqueCode ? uniqueCode(coupon, i) : coupon;
    out.push({
      name: JobName.Redeem,
      data: { couponCode: code, userId: userId(userOfJob(i)), orderId },
      opts: { ...JOB_OPTIONS, jobId: redemptionJobId(code, orderId) },
    });
  }
  return out;
}

/**
 * The secret of the bench's unique codes, and a coupon's code i under it: the drain's producer and
 * its worker child derive the same codes.
 */
export const CODE_SECRET = 'b'.repeat(64);
export const uniqueCodeOf = (coupon: string, i: number) =>
  `${coupon}-${codeCipher(CODE_SECRET).body(i)}`;

/** A coupon valid for a year from now, as the store port takes it (the store sets the version). */
export function coupon(code: string, repeatCounts: RepeatCounts, now = Date.now()): Coupon {
  return {
    code,
    discountPercentage: 10,
    startsAt: null,
    expiresAt: now + 365 * 24 * 3600_000,
    active: true,
    description: 'bench',
    repeatCounts,
    born: '',
    createdAt: now,
    updatedAt: now,
    version: 0,
  };
}

export function appConfig(overrides: Partial<AppConfig>): AppConfig {
  return {
    port: 0,
    redisUrl: REDIS_URL,
    queuePrefix: 'bench-unset',
    store: 'memory',
    storePrefix: 'bench-unset',
    role: 'worker',
    workerConcurrency: 1,
    jobLockMs: 30_000,
    couponTz: 'UTC',
    adminToken: TOKEN,
    viewerToken: undefined,
    requireRegisteredUsers: true,
    redemptionWaitMs: 5000,
    idempotencyTtlHours: 168,
    rejectionTtlHours: 24,
    holdTtlSeconds: 900,
    redemptionLogTtlDays: 7,
    statsRetentionDays: 400,
    redemptionLogMaxEntries: 100_000,
    memoryStoreMaxOutcomes: 1_000_000,
    guessLimitPerHour: 100,
    logLevel: 'silent',
    corsOrigins: [],
    rateLimitPerMinute: 0,
    authFailuresPerMinute: 1000,
    trustProxy: false,
    ...overrides,
  };
}

/** Deletes every key matching `pattern` (SCAN + UNLINK); returns how many. */
export async function deleteKeys(pattern: string, url = REDIS_URL): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    for await (const keys of redis.scanStream({ match: pattern, count: 2000 })) {
      const batch = keys as string[];
      if (batch.length > 0) deleted += await redis.unlink(...batch);
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/**
 * deleteKeys on a Redis Cluster (seed list "host:port,..."): SCAN each master, UNLINK key by key
 * on the master that holds it (a multi-key UNLINK would cross slots).
 */
export async function deleteClusterKeys(nodes: string, pattern: string): Promise<number> {
  const cluster = new Cluster(
    nodes.split(',').map((node) => {
      const at = node.lastIndexOf(':');
      return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
    }),
    { redisOptions: { maxRetriesPerRequest: 1 } },
  );
  let deleted = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      cluster.once('ready', resolve);
      cluster.once('error', reject);
    });
    for (const node of cluster.nodes('master'))
      for await (const keys of node.scanStream({ match: pattern, count: 2000 })) {
        const batch = keys as string[];
        if (batch.length === 0) continue;
        const pipeline = node.pipeline();
        for (const key of batch) pipeline.unlink(key);
        for (const [error, count] of (await pipeline.exec()) ?? []) {
          if (error) throw error;
          deleted += count as number;
        }
      }
  } finally {
    cluster.disconnect();
  }
  return deleted;
}

/** Messages between run.ts and its children. */
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'result'; result: Record<string, unknown> }
  | { type: 'error'; message: string };

export function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) =>
    process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolve())),
  );
}

/** Resolves with the next message from the parent of the given type. */
export function nextMessage(type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (message: Record<string, unknown>) => {
      if (message.type !== type) return;
      process.off('message', onMessage);
      resolve(message);
    };
    process.on('message', onMessage);
  });
}

/** Runs a child's main, reporting any error to the parent, then exits. */
export function childMain(main: () => Promise<void>): void {
  // The parent going away ends the child too.
  process.on('disconnect', () => process.exit(2));
  main().then(
    () => process.exit(0),
    async (error: unknown) => {
      await send({ type: 'error', message: (error as Error).stack ?? String(error) }).catch(
        () => undefined,
      );
      process.exit(1);
    },
  );
}

/** The V8 CPU profiler of this process, started now; stop() writes the profile. */
export async function startProfiler() {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
