/**
 * (g) A code-guessing bot against the service (ROLE=all, as `npm start` runs it), in a process of
 * its own (forked by run.ts) on a private redis-server given by run.ts: n redeem jobs, each with a
 * distinct random unknown coupon code and user, published as a bot would (removeOnComplete, so
 * BullMQ keeps none) at most `window` waiting at a time. Reports the Redis used_memory and V8 heap
 * growth between a warm-up and the end, and whether /health/ready answered 200 throughout.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { AppModule } from '../src/app.module.js';
import { configureHttp } from '../src/common/http.js';
import { REDEMPTION_QUEUE } from '../src/redemptions/redemption.contract.js';
import { RedemptionProcessor } from '../src/redemptions/redemption.processor.js';
import { appConfig, childMain, send } from './common.js';

export interface GuessSpec {
  store: 'memory' | 'redis';
  redisUrl: string;
  n: number;
  concurrency: number;
}

const spec = JSON.parse(process.argv[2]) as GuessSpec;
const WARM_UP = 20_000;
const BATCH = 2_000;
const WINDOW = 20_000;

async function main(): Promise<void> {
  const config = appConfig({
    role: 'all',
    store: spec.store,
    redisUrl: spec.redisUrl,
    queuePrefix: 'guess',
    storePrefix: 'guess-store',
    workerConcurrency: spec.concurrency,
  });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: ['error'],
  });
  configureHttp(app, config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const worker = app.get(RedemptionProcessor).worker;
  const queue = new Queue(REDEMPTION_QUEUE, {
    connection: { url: spec.redisUrl },
    prefix: config.queuePrefix,
  });
  const redis = new Redis(spec.redisUrl);
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
  const heap = () => {
    globalThis.gc!();
    return process.memoryUsage().heapUsed;
  };
  const reasons: Record<string, number> = {};
  let finished = 0;
  worker.on('completed', (_job, value: { reason?: string }) => {
    reasons[value.reason ?? 'none'] = (reasons[value.reason ?? 'none'] ?? 0) + 1;
    finished++;
  });
  worker.on('failed', () => finished++);
  let readyFailures = 0;
  const ready = async () => {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
    if (response?.status !== 200) readyFailures++;
  };

  /** Publishes `count` guesses, at most WINDOW unfinished, and waits for all to finish. */
  async function guess(count: number): Promise<void> {
    const target = finished + count;
    for (let sent = 0; sent < count; sent += BATCH) {
      while (sent - (finished - (target - count)) > WINDOW) await sleep(5);
      await queue.addBulk(
        Array.from({ length: Math.min(BATCH, count - sent) }, () => ({
          name: 'redeem',
          data: {
            couponCode: `GUESS-${randomBytes(6).toString('hex').toUpperCase()}`,
            userId: `bot-${randomBytes(4).toString('hex')}`,
          },
          opts: { removeOnComplete: true, removeOnFail: true },
        })),
      );
      if ((sent / BATCH) % 50 === 0) await ready();
    }
    while (finished < target) await sleep(20);
  }

  await guess(WARM_UP);
  const memoryBefore = await usedMemory();
  const heapBefore = heap();
  const started = performance.now();
  await guess(spec.n);
  const seconds = (performance.now() - started) / 1000;
  await ready();
  const result = {
    n: spec.n,
    seconds,
    redisGrowthBytes: (await usedMemory()) - memoryBefore,
    heapGrowthBytes: heap() - heapBefore,
    readyFailures,
    reasons,
    waiting: await queue.count(),
  };
  await queue.close();
  redis.disconnect();
  await app.close();
  await send({ type: 'result', result });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

childMain(main);
