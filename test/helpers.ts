import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Queue } from 'bullmq';
import { Cluster, type ClusterOptions } from 'ioredis';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../src/app.module.js';
import { configureHttp } from '../src/common/http.js';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Clock } from '../src/clock/clock.js';
import type { AppConfig } from '../src/config/app-config.js';
import { RedemptionProcessor } from '../src/redemptions/redemption.processor.js';
import {
  REDEMPTION_QUEUE,
  type JobData,
  type JobName,
  type JobResult,
} from '../src/redemptions/redemption.contract.js';
import { parseNodes } from './local-cluster.js';
import { deleteKeysOf, deleteKeysOnCluster } from './redis-keys.js';

export { deleteKeysOf, keysSeen } from './redis-keys.js';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TOKEN = 'test-admin-token-0123456789';
export const VIEWER_TOKEN = 'test-viewer-token-0123456789';

/** A clock the test moves by hand. */
export class ManualClock extends Clock {
  constructor(private current: number) {
    super();
  }
  now(): number {
    return this.current;
  }
  set(iso: string): void {
    this.current = Date.parse(iso);
  }
}

/** A queue prefix of its own for each app, so test files never see each other's jobs. */
export const uniquePrefix = () => `test-${randomBytes(6).toString('hex')}`;

export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    port: 0,
    redisUrl: REDIS_URL,
    queuePrefix: uniquePrefix(),
    store: 'memory',
    storePrefix: uniquePrefix(),
    role: 'all',
    workerConcurrency: 1,
    jobLockMs: 30_000,
    couponTz: 'UTC',
    adminToken: TOKEN,
    viewerToken: VIEWER_TOKEN,
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
    rateLimitPerMinute: 0, // the fuzzing sends thousands of requests; rate-limit tests set their own
    authFailuresPerMinute: 20,
    trustProxy: false,
    ...overrides,
  };
}

export type RedemptionQueue = Queue<
  JobData[JobName.Redeem],
  JobResult[JobName.Redeem],
  `${JobName.Redeem}`
>;

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  clock: ManualClock;
  /** A producer on the redemption queue, as an order system has one. */
  producer: RedemptionQueue;
  get: (path: string) => request.Test;
  post: (path: string, body?: object) => request.Test;
  put: (path: string, body?: object) => request.Test;
  patch: (path: string, body?: object) => request.Test;
  delete: (path: string) => request.Test;
  close: () => Promise<void>;
}

export async function startApp(
  overrides: Partial<AppConfig> = {},
  now = '2026-11-25T12:00:00Z',
): Promise<TestApp> {
  const config = testConfig(overrides);
  const clock = new ManualClock(Date.parse(now));
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({
    logger: ['error'],
    bodyParser: false,
  });
  configureHttp(app, config);
  await app.init();
  const producerCluster = config.redisClusterNodes ? clusterClient() : undefined;
  const producer: RedemptionQueue = new Queue(REDEMPTION_QUEUE, {
    connection: producerCluster ?? { url: config.redisUrl },
    prefix: config.queuePrefix,
  });
  const server = app.getHttpServer();
  const auth = (test: request.Test) => test.set('Authorization', `Bearer ${TOKEN}`);
  return {
    app,
    config,
    clock,
    producer,
    get: (path) => auth(request(server).get(path)),
    post: (path, body) => auth(request(server).post(path)).send(body),
    put: (path, body) => auth(request(server).put(path)).send(body),
    patch: (path, body) => auth(request(server).patch(path)).send(body),
    delete: (path) => auth(request(server).delete(path)),
    close: async () => {
      await app.close();
      await producer.close();
      if (producerCluster) {
        await producerCluster.quit();
        await deleteClusterKeys(config.queuePrefix, config.storePrefix);
      } else {
        await deleteKeysOf(config.redisUrl!, config.queuePrefix, config.storePrefix);
      }
    },
  };
}

/** Deletes the keys this test file made under these prefixes on the test Redis (see redis-keys.ts). */
export const deleteKeys = (...prefixes: string[]) => deleteKeysOf(REDIS_URL, ...prefixes);

/** Resolves once the app's worker has finished `count` more jobs (completed, or failed for good). */
export function jobsFinished(app: INestApplication, count: number): Promise<void> {
  const worker = app.get(RedemptionProcessor).worker;
  return new Promise((resolve) => {
    let seen = 0;
    const onFinished = () => {
      if (++seen < count) return;
      worker.off('completed', onFinished);
      worker.off('failed', onFinished);
      resolve();
    };
    worker.on('completed', onFinished);
    worker.on('failed', onFinished);
  });
}

/**
 * Seeds ("host:port,...") of the test Redis Cluster: TEST_REDIS_CLUSTER_NODES, which
 * global-setup.mjs sets to a local 3-master, 2-replica cluster it starts unless given one.
 */
export const CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES ?? '';

function clusterSeeds() {
  if (!CLUSTER_NODES) {
    throw new Error('TEST_REDIS_CLUSTER_NODES is unset: run jest with test/global-setup.mjs');
  }
  return parseNodes(CLUSTER_NODES);
}

/**
 * An ioredis Cluster client on the test cluster. Failover tests lose a master: commands wait
 * (offline queue, retries on CLUSTERDOWN/MOVED) instead of failing at once, and the slot map is
 * read again soon.
 */
export function clusterClient(options: ClusterOptions = {}): Cluster {
  return new Cluster(clusterSeeds(), {
    slotsRefreshTimeout: 2000,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    ...options,
    redisOptions: { connectTimeout: 2000, ...options.redisOptions },
  });
}

/** Deletes the keys this test file wrote under these prefixes on the test cluster. */
export const deleteClusterKeys = (...prefixes: string[]) =>
  deleteKeysOnCluster(clusterSeeds(), ...prefixes);

/** The configuration of an app on the test cluster (STORE=redis; a hash-tagged queue prefix). */
export function clusterConfig(overrides: Partial<AppConfig> = {}): Partial<AppConfig> {
  return {
    redisUrl: undefined,
    redisClusterNodes: clusterSeeds(),
    store: 'redis',
    queuePrefix: `{${uniquePrefix()}}`,
    ...overrides,
  };
}
