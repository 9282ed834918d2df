import { BullModule } from '@nestjs/bullmq';
import {
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { runsWorkers, servesAdminApi, type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { redemptionJobOptions } from './job.options.js';
import { JobWaiter } from './job.waiter.js';
import { QueueEventsRelay } from './queue-events.relay.js';
import { REDEMPTION_QUEUE, RESET_QUEUE } from './queue.contract.js';
import { RedemptionQueues } from './redemption-queues.js';
import { consumerConnection } from '../redis/connections.js';

/** How long the relay's QueueEvents subscriber stays open after the last REST caller's wait. */
const RELAY_IDLE_MS = 60_000;

/**
 * Whether this process's HTTP requests may wait for jobs that other processes' workers finish: an
 * API-only process, or one of several full processes sharing the Redis store. A lone memory-store
 * process hears everything from its own workers and saves the cost of a QueueEvents subscriber.
 */
function hearsOtherWorkers(config: AppConfig): boolean {
  return !runsWorkers(config) || (servesAdminApi(config) && config.store === 'redis');
}

/**
 * Both queues (with the REST API's job options) and one JobWaiter for every queue's workers and
 * the REST requests that wait on them; where other processes' workers may finish those jobs, the
 * waiter also listens through a QueueEventsRelay, subscribed only while someone waits.
 */
@Module({
  imports: [
    BullModule.registerQueueAsync(
      {
        name: REDEMPTION_QUEUE,
        inject: [APP_CONFIG],
        // For jobs the REST API publishes; order systems set their own options.
        useFactory: (config: AppConfig) => ({
          defaultJobOptions: redemptionJobOptions(config.idempotencyTtlHours),
        }),
      },
      { name: RESET_QUEUE, useFactory: () => ({}) },
    ),
  ],
  providers: [
    {
      provide: QueueEventsRelay,
      inject: [APP_CONFIG, JobWaiter],
      useFactory: (config: AppConfig, waiter: JobWaiter) => {
        if (!hearsOtherWorkers(config)) return null;
        const logger = new Logger('QueueEvents');
        const relay = new QueueEventsRelay({
          connection: consumerConnection(config),
          idleMs: RELAY_IDLE_MS,
          onEnd: (queue, jobId, end) => waiter.settle(queue, jobId, end),
          onError: (error) => logger.warn(`QueueEvents connection: ${error.message}`),
        });
        waiter.listenThrough(relay);
        return relay;
      },
    },
    { provide: JobWaiter, useFactory: () => new JobWaiter() },
    RedemptionQueues,
  ],
  exports: [JobWaiter, QueueEventsRelay, BullModule, RedemptionQueues],
})
export class JobsModule implements OnModuleDestroy, OnApplicationShutdown {
  constructor(
    private readonly waiter: JobWaiter,
    @Inject(QueueEventsRelay) private readonly relay: QueueEventsRelay | null,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await this.relay?.close();
  }

  onApplicationShutdown(): void {
    this.waiter.close();
  }
}
