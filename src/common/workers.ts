import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown, type Type } from '@nestjs/common';
import { MetricsTime, UnrecoverableError, type Job, type WorkerOptions } from 'bullmq';
import type { AppConfig } from '../config/app-config.js';
import { JobWaiter } from './job-waiter.js';

/**
 * Makes `processor` the worker of `queue` with options from the configuration. @Processor is
 * applied here, when the module is built, rather than as a class decorator, because its worker
 * options (lock duration, concurrency) come from the environment.
 */
export function registerProcessor(
  processor: Type<WorkerHost>,
  queue: string,
  config: AppConfig,
  options: Partial<WorkerOptions> = {},
): Type<WorkerHost> {
  Processor(queue, {
    connection: { url: config.redisUrl },
    lockDuration: config.jobLockMs,
    stalledInterval: config.jobLockMs,
    maxStalledCount: 1,
    // BullMQ's own throughput metrics, shown by queue dashboards.
    metrics: { maxDataPoints: MetricsTime.ONE_WEEK * 2 },
    ...options,
  })(processor);
  return processor;
}

/**
 * A worker that reports each job's end to the JobWaiter (a failure is final when the job cannot
 * be retried any more), and that stops taking jobs before the rest of the app shuts down, so the
 * job in hand still finds its store and queues open.
 */
export abstract class ReportingWorkerHost extends WorkerHost implements BeforeApplicationShutdown {
  protected readonly logger = new Logger('Worker');

  constructor(
    private readonly queueName: string,
    private readonly waiter: JobWaiter,
  ) {
    super();
  }

  @OnWorkerEvent('completed')
  onCompleted(job: Job, value: unknown): void {
    this.waiter.settle(this.queueName, job.id!, { kind: 'completed', value });
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    if (!job) return;
    const final =
      error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    this.logger.warn({
      msg: final ? 'job failed' : 'job attempt failed, will retry',
      queue: this.queueName,
      jobId: job.id,
      jobName: job.name,
      attemptsMade: job.attemptsMade,
      error: error.message,
    });
    if (final) {
      this.waiter.settle(this.queueName, job.id!, { kind: 'failed', error: error.message });
    }
  }

  /** Connection losses and lost locks (a job taken back after a stall); BullMQ carries on. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn({ msg: 'worker error', queue: this.queueName, error: error.message });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}
