import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown, type Provider, type Type } from '@nestjs/common';
import { MetricsTime, UnrecoverableError, type Job, type WorkerOptions } from 'bullmq';
import type { AppConfig } from '../config/app-config.js';
import { consumerConnection } from '../redis/connections.js';
import { JobWaiter } from './job.waiter.js';

/**
 * A provider that makes `processor` the worker of `queue`, with worker options from the
 * configuration. @Processor is applied to a subclass made for this registration, not to
 * `processor` itself: its metadata stays untouched, so registering it again (another app in the
 * same process, other options) cannot change an earlier registration. The provider's token is
 * `token`, by default `processor`, so `app.get(processor)` finds the worker.
 */
export function processorProvider(
  processor: Type<WorkerHost & { process: WorkerHost['process'] }>,
  queue: string,
  config: AppConfig,
  options: Partial<WorkerOptions> = {},
  token: string | Type = processor,
): Provider {
  const registered = class extends processor {};
  Object.defineProperty(registered, 'name', { value: processor.name });
  Processor(queue, {
    connection: consumerConnection(config),
    lockDuration: config.jobLockMs,
    stalledInterval: config.jobLockMs,
    maxStalledCount: 1,
    // BullMQ's own throughput metrics, shown by queue dashboards.
    metrics: { maxDataPoints: MetricsTime.ONE_WEEK * 2 },
    ...options,
  })(registered);
  return { provide: token, useClass: registered };
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
    this.waiter.settle(job.queueQualifiedName, job.id!, { kind: 'completed', value });
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
      this.waiter.settle(job.queueQualifiedName, job.id!, { kind: 'failed', error: error.message });
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
