import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { partitionOf, partitionPrefixes } from '@coupon-code-service/client/contract';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { RedisConnections } from '../redis/connections.js';
import { REDEMPTION_QUEUE } from './queue.contract.js';

/** The name a partition goes by in metrics, logs and the dashboard. */
export const partitionLabel = (partition: number) =>
  partition === 0 ? REDEMPTION_QUEUE : `${REDEMPTION_QUEUE}-p${partition}`;

/**
 * The redemption queue's partitions (QUEUE_PARTITIONS): partition 0 is the queue Nest registers,
 * under QUEUE_PREFIX, the others share its name under prefixes of their own (partitionPrefixes).
 * A job id always goes to the same partition, as the typed client sends it.
 */
@Injectable()
export class RedemptionQueues implements OnApplicationShutdown {
  readonly all: Queue[];

  constructor(
    @InjectQueue(REDEMPTION_QUEUE) first: Queue,
    @Inject(APP_CONFIG) config: AppConfig,
    connections: RedisConnections,
  ) {
    const logger = new Logger('Queues');
    const others = partitionPrefixes(config.queuePrefix, config.queuePartitions ?? 1)
      .slice(1)
      .map((prefix) => {
        const queue = new Queue(REDEMPTION_QUEUE, {
          connection: connections.producer(),
          prefix,
          defaultJobOptions: first.opts.defaultJobOptions,
        });
        queue.on('error', (error) => logger.warn(`${prefix} queue connection: ${error.message}`));
        return queue;
      });
    this.all = [first, ...others];
  }

  forJob(jobId: string): Queue {
    return this.all[partitionOf(jobId, this.all.length)]!;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.all.slice(1).map((queue) => queue.close()));
  }
}
