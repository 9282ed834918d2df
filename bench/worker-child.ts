/**
 * One contender's worker, in a process of its own (forked by run.ts): the bare BullMQ worker or
 * the service (AppModule, ROLE=worker). `drain`: the queue is paused and holds n jobs; on "go" it
 * resumes the queue and reports the time to the n-th finished job. `serve`: the worker runs while
 * run.ts produces at a fixed rate; it reports once n jobs are finished.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { AppModule } from '../src/app.module.js';
import { configureHttp } from '../src/common/http.js';
import { periodsAt } from '../src/domain/periods.js';
import { RedemptionProcessor } from '../src/redemptions/redemption.processor.js';
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
  coupon,
  limitsFor,
  nextMessage,
  REDIS_URL,
  send,
  USERS,
  userId,
} from './common.js';

export interface WorkerSpec {
  kind: 'bare' | 'service';
  store: 'memory' | 'redis';
  concurrency: number;
  mode: 'drain' | 'serve';
  queuePrefix: string;
  storePrefix: string;
  code: string;
  /** Jobs to wait for; the coupon's limits are limitsFor(n). */
  n: number;
  timeoutMs: number;
}

const spec = JSON.parse(process.argv[2]) as WorkerSpec;

async function main(): Promise<void> {
  let worker: Worker;
  let ledger: UsageLedger | undefined;
  let close: () => Promise<void>;
  if (spec.kind === 'bare') {
    worker = new Worker(REDEMPTION_QUEUE, async () => undefined, {
      connection: { url: REDIS_URL },
      prefix: spec.queuePrefix,
      concurrency: spec.concurrency,
    });
    close = () => worker.close();
  } else {
    const config = appConfig({
      // As deployed: a memory store lives in the one ROLE=all process; a Redis store scales out
      // to worker processes (ROLE=all on Redis also runs a QueueEvents relay for the API).
      role: spec.store === 'memory' ? 'all' : 'worker',
      store: spec.store,
      queuePrefix: spec.queuePrefix,
      storePrefix: spec.storePrefix,
      workerConcurrency: spec.concurrency,
    });
    const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
      bodyParser: false,
      logger: ['error'],
    });
    configureHttp(app, config);
    await app.init();
    ledger = app.get(UsageLedger);
    if (!(await app.get(CouponRepository).create(coupon(spec.code, limitsFor(spec.n)))))
      throw new Error(`coupon ${spec.code} exists already`);
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
    worker = app.get(RedemptionProcessor).worker;
    close = () => app.close();
  }
  await worker.waitUntilReady();

  let finished = 0;
  let accepted = 0;
  let failedAttempts = 0;
  let failedFinal = 0;
  const reasons: Record<string, number> = {};
  const allFinished = new Promise<void>((resolve) => {
    const finish = () => {
      if (++finished === spec.n) resolve();
    };
    worker.on('completed', (_job: Job, value: RedemptionOutcome | undefined) => {
      if (value?.status === 'accepted') accepted++;
      else if (value?.reason) reasons[value.reason] = (reasons[value.reason] ?? 0) + 1;
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
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`only ${finished} of ${spec.n} jobs finished`)),
      spec.timeoutMs,
    ).unref(),
  );

  await send({ type: 'ready' });
  let ms: number | undefined;
  if (spec.mode === 'drain') {
    await nextMessage('go');
    const queue = new Queue(REDEMPTION_QUEUE, {
      connection: { url: REDIS_URL },
      prefix: spec.queuePrefix,
    });
    const started = performance.now();
    await queue.resume();
    await Promise.race([allFinished, timeout]);
    ms = performance.now() - started;
    await queue.close();
  } else {
    await Promise.race([allFinished, timeout]);
  }
  const globalUsed = ledger
    ? (await ledger.usage(spec.code, undefined, periodsAt(Date.now(), 'UTC'))).globalTotal
    : undefined;
  await send({
    type: 'result',
    result: { ms, finished, accepted, reasons, failedAttempts, failedFinal, globalUsed },
  });
  await close();
}

childMain(main);
