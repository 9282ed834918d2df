import { Module, type DynamicModule } from '@nestjs/common';
import { runsWorkers, servesAdminApi, type AppConfig } from '../config/app-config.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { MetricsModule } from '../monitoring/metrics.module.js';
import { processorProvider } from '../jobs/worker.host.js';
import { UsersModule } from '../users/users.module.js';
import { REDEMPTION_QUEUE } from './redemption.contract.js';
import { RedemptionProcessor, redemptionWorkerToken } from './redemption.processor.js';
import { partitionPrefixes } from '@coupon-code-service/client/contract';
import { RedemptionQueueService } from './redemption-queue.service.js';
import { RedemptionService } from './redemption.service.js';
import { RedemptionsController } from './redemptions.controller.js';
import { ReservationsController } from './reservations.controller.js';

@Module({})
export class RedemptionsModule {
  static forRoot(config: AppConfig): DynamicModule {
    // One worker per partition, each WORKER_CONCURRENCY at a time.
    const workers = runsWorkers(config)
      ? partitionPrefixes(config.queuePrefix, config.queuePartitions ?? 1).map(
          (prefix, partition) =>
            processorProvider(
              RedemptionProcessor,
              REDEMPTION_QUEUE,
              config,
              {
                prefix,
                concurrency: config.workerConcurrency,
                // A stalled job is run again however often its worker died, never failed for it: a
                // run after a committed decision replays it, so a failed job always means no decision.
                maxStalledCount: Number.MAX_SAFE_INTEGER,
              },
              redemptionWorkerToken(partition),
            ),
        )
      : [];
    return {
      module: RedemptionsModule,
      imports: [JobsModule, UsersModule, MetricsModule],
      controllers: servesAdminApi(config) ? [RedemptionsController, ReservationsController] : [],
      providers: [RedemptionService, RedemptionQueueService, ...workers],
    };
  }
}
