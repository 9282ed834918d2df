import { Module, type DynamicModule } from '@nestjs/common';
import { runsWorkers, servesAdminApi, type AppConfig } from '../config/app-config.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { processorProvider } from '../jobs/worker.host.js';
import { UsersModule } from '../users/users.module.js';
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
          processorProvider(RedemptionProcessor, REDEMPTION_QUEUE, config, {
            concurrency: config.workerConcurrency,
          }),
        ]
      : [];
    return {
      module: RedemptionsModule,
      imports: [JobsModule, UsersModule],
      controllers: servesAdminApi(config) ? [RedemptionsController] : [],
      providers: [RedemptionService, RedemptionQueueService, ...workers],
    };
  }
}
