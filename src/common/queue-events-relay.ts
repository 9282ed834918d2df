import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { QueueEvents } from 'bullmq';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { REDEMPTION_QUEUE } from '../redemptions/redemption.contract.js';
import { RESET_QUEUE } from '../resets/reset.contract.js';
import { JobWaiter } from './job-waiter.js';

/**
 * Passes the ends of jobs that other processes' workers finished, heard through QueueEvents, to the
 * JobWaiter. Settling a job twice (own worker and relay) is harmless: the first settles it.
 */
@Injectable()
export class QueueEventsRelay implements OnModuleInit, OnModuleDestroy {
  private readonly subscribers: QueueEvents[] = [];

  constructor(
    private readonly waiter: JobWaiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const queue of [REDEMPTION_QUEUE, RESET_QUEUE]) {
      const events = new QueueEvents(queue, {
        connection: { url: this.config.redisUrl },
        prefix: this.config.queuePrefix,
      });
      events.on('completed', ({ jobId, returnvalue }) =>
        this.waiter.settle(queue, jobId, { kind: 'completed', value: returnvalue }),
      );
      events.on('failed', ({ jobId, failedReason }) =>
        this.waiter.settle(queue, jobId, { kind: 'failed', error: failedReason }),
      );
      this.subscribers.push(events);
      await events.waitUntilReady();
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.subscribers.map((events) => events.close()));
  }
}
