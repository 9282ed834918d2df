import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { registerProcessor } from '../common/workers.js';
import { runsWorkers, servesAdminApi, type AppConfig } from '../config/app-config.js';
import { REDEMPTION_QUEUE } from './redemption.contract.js';
import { RedemptionProcessor } from './redemption.processor.js';
import { RedemptionQueueService } from './redemption-queue.service.js';
import { RedemptionService } from './redemption.service.js';
import { RedemptionsController } from './redemptions.controller.js';

@Module({})
export class RedemptionsModule {
  static forRoot(config: AppConfig): DynamicModule {
    const workers = runsWorkers(config)
      ? [
          registerProcessor(RedemptionProcessor, REDEMPTION_QUEUE, config, {
            concurrency: config.workerConcurrency,
          }),
        ]
      : [];
    return {
      module: RedemptionsModule,
      global: true,
      imports: [
        BullModule.registerQueue({
          name: REDEMPTION_QUEUE,
          // For jobs the REST API publishes; order systems set their own options. A finished job
          // answers a retried POST for its order, so it is kept no longer than the order's outcome.
          defaultJobOptions: {
            attempts: 3,
            backoff: { type: 'exponential', delay: 200 },
            removeOnComplete: { age: Math.min(24, config.idempotencyTtlHours) * 3600 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        }),
      ],
      controllers: servesAdminApi(config) ? [RedemptionsController] : [],
      providers: [RedemptionService, RedemptionQueueService, ...workers],
      exports: [RedemptionService, BullModule],
    };
  }
}
