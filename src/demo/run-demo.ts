import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { AppModule } from '../app.module.js';
import {
  CouponClient,
  type RedemptionOutcome,
  type RollbackOutcome,
} from '@coupon-code-service/client';
import { configureHttp } from '../common/http.js';
import { loadConfig, type LogLevel } from '../config/app-config.js';
import { EmbeddedRedis } from '../redis/embedded-redis.js';

/** A service that is already running. */
export interface ExternalService {
  url: string;
  adminToken: string;
  redisUrl: string;
  queuePrefix?: string;
}

export interface DemoOptions {
  /** Unset: the demo starts the service in this process and stops it at the end. */
  service?: ExternalService;
  /** In-process service only: its Redis (unset: an embedded redis-server) and key prefixes. */
  redisUrl?: string;
  queuePrefix?: string;
  storePrefix?: string;
  logLevel?: LogLevel;
  redemptions?: number;
  users?: number;
  inFlight?: number;
  /** Every n-th accepted order is rolled back. */
  rollbackEvery?: number;
  /** Accepted orders published a second time, as a producer retrying a publish would. */
  republish?: number;
  timeoutMs?: number;
}

export const DEMO_LIMITS = { globalTotal: 450, userTotal: 15, userWeekly: 12, userDaily: 10 };
/** Every GUEST_EVERY-th order comes from a user who never registered. */
export const GUEST_EVERY = 50;

export interface DemoReport {
  couponCode: string;
  redemptions: number;
  users: number;
  rollbackEvery: number;
  /** By 'accepted', rejection reason, or 'error: <name>' for calls without an outcome. */
  outcomes: Record<string, number>;
  accepted: number;
  /** By rollback status (with reason), or 'error: <name>'. */
  rollbacks: Record<string, number>;
  rolledBack: number;
  republished: { orders: number; sameOutcome: number };
  final: {
    globalUsed: number;
    globalRemaining: number | null;
    /** Sum of userTotal.used over all demo users, from REST. */
    usersTotalUsed: number;
    sampleUser: { userId: string; usage: unknown };
  };
  problems: string[];
  elapsedMs: number;
}

interface Api {
  (method: string, path: string, body?: object): Promise<unknown>;
}

function restApi(baseUrl: string, token: string): Api {
  return async (method, path, body) => {
    const response = await fetch(new URL(path, baseUrl), {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight, as an order system's pool would. */
async function inPool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

const count = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};
const errorKey = (error: unknown) => `error: ${(error as Error).name ?? 'Error'}`;

interface RunningService {
  baseUrl: string;
  adminToken: string;
  redisUrl: string;
  queuePrefix: string;
  stop: () => Promise<void>;
}

async function startService(options: DemoOptions): Promise<RunningService> {
  const config = loadConfig({
    PORT: '0',
    REDIS_URL: options.redisUrl,
    // Own prefixes, so a shared Redis keeps nothing of the demo and sees nothing of others.
    QUEUE_PREFIX: options.queuePrefix ?? `demo-${randomBytes(4).toString('hex')}`,
    STORE_PREFIX: options.storePrefix ?? `demo-${randomBytes(4).toString('hex')}`,
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
    LOG_LEVEL: options.logLevel ?? 'warn',
    WORKER_CONCURRENCY: '4',
    RATE_LIMIT_PER_MINUTE: '0',
  });
  const embedded = config.redisUrl ? undefined : await EmbeddedRedis.start();
  config.redisUrl ??= embedded!.url;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: ['error'],
    bodyParser: false,
  });
  configureHttp(app, config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const redisUrl = config.redisUrl;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    adminToken: config.adminToken!,
    redisUrl,
    queuePrefix: config.queuePrefix,
    stop: async () => {
      await app.close();
      if (embedded) return embedded.stop();
      await deleteKeys(redisUrl, [`${config.queuePrefix}:*`, `${config.storePrefix}:*`]);
    },
  };
}

async function deleteKeys(url: string, patterns: string[]): Promise<void> {
  const redis = new Redis(url);
  try {
    for (const match of patterns) {
      for await (const keys of redis.scanStream({ match, count: 1000 })) {
        if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
      }
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * Plays an order system against the service: a coupon with all four repeat counts, registered
 * users, redemptions through the CouponClient with a bounded number in flight, rollbacks of some
 * accepted orders, and a check of the outcomes against the counts the REST API reports.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const started = Date.now();
  const redemptions = options.redemptions ?? 1000;
  const userCount = options.users ?? 50;
  const rollbackEvery = options.rollbackEvery ?? 10;
  const inFlight = options.inFlight ?? 50;
  const service: RunningService = options.service
    ? {
        baseUrl: options.service.url,
        adminToken: options.service.adminToken,
        redisUrl: options.service.redisUrl,
        queuePrefix: options.service.queuePrefix ?? 'bull',
        stop: async () => {},
      }
    : await startService(options);
  const client = new CouponClient({
    connection: { url: service.redisUrl },
    prefix: service.queuePrefix,
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  try {
    const api = restApi(service.baseUrl, service.adminToken);
    const run = randomBytes(4).toString('hex');
    const couponCode = `DEMO-${run.toUpperCase()}`;
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await api('POST', '/coupons', {
      code: couponCode,
      discountPercentage: 10,
      expiresAt,
      description: 'CouponClient demo',
      repeatCounts: DEMO_LIMITS,
    });
    const userIds = Array.from({ length: userCount }, (_, i) => `demo-${run}-user-${i + 1}`);
    await inPool(userIds, 10, (id) =>
      api('POST', '/users', { id, name: id, email: `${id}@example.com` }),
    );

    const orders = Array.from({ length: redemptions }, (_, i) => ({
      couponCode,
      userId:
        (i + 1) % GUEST_EVERY === 0
          ? `demo-${run}-guest`
          : userIds[Math.floor(Math.random() * userIds.length)]!,
      orderId: `order-${run}-${i + 1}`,
    }));
    const outcomes = await inPool(orders, inFlight, (order) =>
      client.redeem(order).catch((error: unknown) => error as Error),
    );
    const outcomeCounts: Record<string, number> = {};
    const accepted: RedemptionOutcome[] = [];
    for (const outcome of outcomes) {
      if (outcome instanceof Error) count(outcomeCounts, errorKey(outcome));
      else {
        count(outcomeCounts, outcome.reason ?? outcome.status);
        if (outcome.status === 'accepted') accepted.push(outcome);
      }
    }

    const toRollBack = accepted.filter((_, i) => (i + 1) % rollbackEvery === 0);
    const rollbackCounts: Record<string, number> = {};
    const rolledBackOrders = new Set<string>();
    const rollBack = (order: { userId: string; orderId?: string }) =>
      client
        .rollback({ couponCode, userId: order.userId, orderId: order.orderId! })
        .catch((error: unknown) => error as Error);
    const tally = (result: RollbackOutcome | Error) => {
      if (result instanceof Error) return count(rollbackCounts, errorKey(result));
      count(rollbackCounts, result.reason ? `${result.status} ${result.reason}` : result.status);
      if (result.status === 'rolled-back') rolledBackOrders.add(result.orderId);
    };
    const unknownOrder = { userId: userIds[0], orderId: `order-${run}-never-redeemed` };
    for (const result of await inPool([...toRollBack, unknownOrder], inFlight, rollBack)) {
      tally(result);
    }
    // The first rolled-back order once more, after its first rollback: nothing changes.
    if (toRollBack.length > 0) tally(await rollBack(toRollBack[0]));

    const kept = accepted.filter((outcome) => !rolledBackOrders.has(outcome.orderId!));
    const republish = kept.slice(0, options.republish ?? 20);
    const again = await Promise.all(
      republish.map((outcome) =>
        client
          .redeem({ couponCode, userId: outcome.userId, orderId: outcome.orderId! })
          .catch((error: unknown) => error as Error),
      ),
    );
    const sameOutcome = again.filter(
      (outcome, i) =>
        !(outcome instanceof Error) && JSON.stringify(outcome) === JSON.stringify(republish[i]),
    ).length;

    const counts = (await api('GET', `/coupons/${couponCode}/repeat-counts`)) as {
      globalUsed: number;
      globalRemaining: number | null;
    };
    const usages = await inPool(
      userIds,
      10,
      async (id) =>
        (await api('GET', `/coupons/${couponCode}/usage/${id}`)) as {
          userTotal: { used: number };
          userDaily: { used: number };
        },
    );
    const usersTotalUsed = usages.reduce((sum, usage) => sum + usage.userTotal.used, 0);

    const problems: string[] = [];
    const check = (ok: boolean, problem: string) => {
      if (!ok) problems.push(problem);
    };
    const outcomeSum = Object.values(outcomeCounts).reduce((sum, n) => sum + n, 0);
    check(outcomeSum === redemptions, `${outcomeSum} outcomes for ${redemptions} redemptions`);
    for (const [key, n] of [...Object.entries(outcomeCounts), ...Object.entries(rollbackCounts)]) {
      check(!key.startsWith('error'), `${n} calls ended with ${key}`);
    }
    check(
      rolledBackOrders.size === toRollBack.length,
      `${rolledBackOrders.size} of ${toRollBack.length} rollbacks gave a use back`,
    );
    check(
      toRollBack.length === 0 || rollbackCounts['already-rolled-back'] === 1,
      'the repeated rollback was not answered already-rolled-back',
    );
    check(
      rollbackCounts['rejected REDEMPTION_NOT_FOUND'] === 1,
      'the rollback of an unknown order was not rejected with REDEMPTION_NOT_FOUND',
    );
    const expectedUsed = accepted.length - rolledBackOrders.size;
    check(
      counts.globalUsed === expectedUsed,
      `accepted ${accepted.length} - rolled back ${rolledBackOrders.size} = ${expectedUsed}, but the coupon counts ${counts.globalUsed} uses`,
    );
    check(
      usersTotalUsed === counts.globalUsed,
      `the users' uses add up to ${usersTotalUsed}, the coupon's to ${counts.globalUsed}`,
    );
    check(
      counts.globalRemaining === DEMO_LIMITS.globalTotal - counts.globalUsed,
      `globalRemaining ${counts.globalRemaining} does not match ${DEMO_LIMITS.globalTotal} - ${counts.globalUsed}`,
    );
    check(
      usages.every((usage) => usage.userDaily.used <= DEMO_LIMITS.userDaily),
      'a user went over the daily limit',
    );
    check(
      sameOutcome === republish.length,
      `${republish.length - sameOutcome} republished orders got a different outcome`,
    );

    return {
      couponCode,
      redemptions,
      users: userCount,
      rollbackEvery,
      outcomes: outcomeCounts,
      accepted: accepted.length,
      rollbacks: rollbackCounts,
      rolledBack: rolledBackOrders.size,
      republished: { orders: republish.length, sameOutcome },
      final: {
        globalUsed: counts.globalUsed,
        globalRemaining: counts.globalRemaining,
        usersTotalUsed,
        sampleUser: { userId: userIds[0], usage: usages[0] },
      },
      problems,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await client.close();
    await service.stop();
  }
}

/** The report as the table `npm run demo` prints. */
export function formatReport(report: DemoReport): string {
  const rows = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort(([, a], [, b]) => b - a)
      .map(([key, n]) => `  ${key.padEnd(40)} ${String(n).padStart(6)}`);
  const limits = Object.entries(DEMO_LIMITS)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  return [
    `Coupon ${report.couponCode} (${limits}), ${report.users} users`,
    '',
    `Redemptions: ${report.redemptions}`,
    ...rows(report.outcomes),
    '',
    `Rollbacks (every ${report.rollbackEvery}th accepted order, then one of them again, and an order never redeemed):`,
    ...rows(report.rollbacks),
    '',
    `Republished accepted orders: ${report.republished.orders}, same outcome: ${report.republished.sameOutcome}`,
    '',
    'Final counts (REST):',
    `  accepted ${report.accepted} - rolled back ${report.rolledBack} = ${report.accepted - report.rolledBack}`,
    `  globalUsed ${report.final.globalUsed}, globalRemaining ${report.final.globalRemaining}, users' total used ${report.final.usersTotalUsed}`,
    `  ${report.final.sampleUser.userId}: ${JSON.stringify(report.final.sampleUser.usage)}`,
    '',
    report.problems.length === 0
      ? `Consistent. (${report.elapsedMs} ms)`
      : `INCONSISTENT:\n${report.problems.map((problem) => `  - ${problem}`).join('\n')}`,
  ].join('\n');
}
