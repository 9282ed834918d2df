/**
 * One contender's worker, in a process of its own (forked by run.ts): the bare BullMQ worker or
 * the service (AppModule, ROLE=all). `drain`: the queue is paused and holds n jobs; on "go" it
 * resumes the queue and reports the time to the n-th finished job. `serve`: the worker runs while
 * run.ts produces at a fixed rate; it reports once n jobs are finished. With `clusterNodes` the
 * service runs on that Redis Cluster, one worker per partition (all partitions paused and resumed).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Cluster } from 'ioredis';
import { parseClusterNodes, partitionPrefixes } from '@coupon-code-service/client/contract';
import { AppModule } from '../src/app.module.js';
import { configureHttp } from '../src/common/http.js';
import { periodsAt } from '../src/domain/periods.js';
import {
  RedemptionProcessor,
  redemptionWorkerToken,
} from '../src/redemptions/redemption.processor.js';
import {
  REDEMPTION_QUEUE,
  type RedemptionOutcome,
} from '../src/redemptions/redemption.contract.js';
import { CouponRepository } from '../src/store/coupon.repository.js';
import { UsageLedger } from '../src/store/usage.ledger.js';
import { UserRepository } from '../src/store/user.repository.js';
import {
  appConfig,
  childMain,
  CODE_SECRET,
  coupon,
  couponLimits,
  nextMessage,
  REDIS_URL,
  send,
  startProfiler,
  USERS,
  userId,
} from './common.js';

export interface WorkerSpec {
  kind: 'bare' | 'service';
  store: 'memory' | 'redis';
  concurrency: number;
  mode: 'drain' | 'serve';
  /** The effective prefix of partition 0 (on a cluster, with its hash tag). */
  queuePrefix: string;
  storePrefix: string;
  /** The coupons the jobs redeem, round-robin; each one's limits are couponLimits(n, codes.length). */
  codes: string[];
  n: number;
  timeoutMs: number;
  /** Seed nodes ("host:port,...") of a Redis Cluster to run the service on (STORE=redis). */
  clusterNodes?: string;
  /** QUEUE_PARTITIONS (default 1). */
  partitions?: number;
  /** Jobs redeem unique codes (uniqueCodeOf): each coupon gets one batch of n single-use codes. */
  uniqueCodes?: boolean;
  /** STATS_RETENTION_DAYS (default 400; 0 turns the statistics off). */
  statsRetentionDays?: number;
  /** Write a CPU profile of the drain alone (from "go" to the n-th finished job) to this file. */
  profileFile?: string;
}

const spec = JSON.parse(process.argv[2]) as WorkerSpec;
const partitions = spec.partitions ?? 1;

async function main(): Promise<void> {
  let workers: Worker[];
  let ledger: UsageLedger | undefined;
  let close: () => Promise<void>;
  if (spec.kind === 'bare') {
    const worker = new Worker(REDEMPTION_QUEUE, async () => undefined, {
      connection: { url: REDIS_URL },
      prefix: spec.queuePrefix,
      concurrency: spec.concurrency,
    });
    workers = [worker];
    close = () => worker.close();
  } else {
    const config = appConfig({
      // As `npm start` runs it: ROLE=all (the API, its QueueEvents relay on Redis, the workers).
      role: 'all',
      store: spec.store,
      queuePrefix: spec.queuePrefix,
      storePrefix: spec.storePrefix,
      workerConcurrency: spec.concurrency,
      queuePartitions: partitions,
      ...(spec.statsRetentionDays !== undefined && { statsRetentionDays: spec.statsRetentionDays }),
      ...(spec.clusterNodes && {
        redisUrl: undefined,
        redisClusterNodes: parseClusterNodes(spec.clusterNodes),
      }),
    });
    const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
      bodyParser: false,
      logger: ['error'],
    });
    configureHttp(app, config);
    await app.init();
    ledger = app.get(UsageLedger);
    for (const code of spec.codes) {
      const created = coupon(code, couponLimits(spec.n, spec.codes.length));
      if (spec.uniqueCodes) {
        const batch = { batch: 1, first: 0, count: spec.n, usesPerCode: 1, createdAt: Date.now() };
        created.codes = { secret: CODE_SECRET, batches: [batch] };
      }
      if (!(await app.get(CouponRepository).create(created)))
        throw new Error(`coupon ${code} exists already`);
    }
    const created = await Promise.all(
      Array.from({ length: USERS }, (_, i) =>
        app.get(UserRepository).create({
          id: userId(i),
          name: `Bench user ${i}`,
          email: `${userId(i)}@bench.example`,
          createdAt: Date.now(),
        }),
      ),
    );
    if (created.some((result) => result !== 'created')) throw new Error('users exist already');
    workers = Array.from(
      { length: partitions },
      (_, p) => app.get<RedemptionProcessor>(redemptionWorkerToken(p)).worker,
    );
    close = () => app.close();
  }
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));

  let finished = 0;
  let accepted = 0;
  const acceptedByCode: Record<string, number> = {};
  let failedAttempts = 0;
  let failedFinal = 0;
  const reasons: Record<string, number> = {};
  const allFinished = new Promise<void>((resolve) => {
    const finish = () => {
      if (++finished === spec.n) resolve();
    };
    for (const worker of workers) {
      worker.on('completed', (_job: Job, value: RedemptionOutcome | undefined) => {
        if (value?.status === 'accepted') {
          accepted++;
          const code = value.coupon ?? value.couponCode;
          acceptedByCode[code] = (acceptedByCode[code] ?? 0) + 1;
        } else if (value?.reason) reasons[value.reason] = (reasons[value.reason] ?? 0) + 1;
        finish();
      });
      worker.on('failed', (job: Job | undefined, error: Error) => {
        failedAttempts++;
        if (!job) return;
        if (error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1)) {
          failedFinal++;
          finish();
        }
      });
    }
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`only ${finished} of ${spec.n} jobs finished`)),
      spec.timeoutMs,
    ).unref(),
  );

  await send({ type: 'ready' });
  let ms: number | undefined;
  let cpuUsPerJob: number | undefined;
  if (spec.mode === 'drain') {
    await nextMessage('go');
    // BullMQ leaves a cluster client it was given open: closed below, after the queues.
    const cluster = spec.clusterNodes
      ? new Cluster(parseClusterNodes(spec.clusterNodes))
      : undefined;
    const queues = partitionPrefixes(spec.queuePrefix, partitions).map(
      (prefix) =>
        new Queue(REDEMPTION_QUEUE, { connection: cluster ?? { url: REDIS_URL }, prefix }),
    );
    await Promise.all(queues.map((queue) => queue.waitUntilReady()));
    const profiler = spec.profileFile ? await startProfiler() : undefined;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await Promise.all(queues.map((queue) => queue.resume()));
    await Promise.race([allFinished, timeout]);
    ms = performance.now() - started;
    const { user, system } = process.cpuUsage(cpuBefore);
    cpuUsPerJob = (user + system) / spec.n;
    if (profiler) await profiler.stop(spec.profileFile!);
    await Promise.all(queues.map((queue) => queue.close()));
    await cluster?.quit();
  } else {
    await Promise.race([allFinished, timeout]);
  }
  let globalUsed: number | undefined;
  let globalUsedByCode: Record<string, number> | undefined;
  if (ledger) {
    globalUsedByCode = {};
    for (const code of spec.codes)
      globalUsedByCode[code] = (
        await ledger.usage(code, undefined, periodsAt(Date.now(), 'UTC'))
      ).globalTotal;
    globalUsed = Object.values(globalUsedByCode).reduce((a, b) => a + b, 0);
  }
  await send({
    type: 'result',
    result: {
      ms,
      cpuUsPerJob,
      finished,
      accepted,
      acceptedByCode,
      reasons,
      failedAttempts,
      failedFinal,
      globalUsed,
      globalUsedByCode,
    },
  });
  await close();
}

childMain(main);
