import { Module, type DynamicModule } from '@nestjs/common';
import { runsWorkers, servesAdminApi, type AppConfig } from '../config/app-config.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { MetricsModule } from '../monitoring/metrics.module.js';
import { processorProvider } from '../jobs/worker.host.js';
import { RESET_QUEUE } from './reset.contract.js';
import { ResetProcessor } from './reset.processor.js';
import { ResetSchedulerService } from './reset-scheduler.service.js';
import { ResetService } from './reset.service.js';
import { ResetsController } from './resets.controller.js';

@Module({})
export class ResetsModule {
  static forRoot(config: AppConfig): DynamicModule {
    const workers = runsWorkers(config)
      ? [processorProvider(ResetProcessor, RESET_QUEUE, config)]
      : [];
    return {
      module: ResetsModule,
      imports: [JobsModule, MetricsModule],
      controllers: servesAdminApi(config) ? [ResetsController] : [],
      providers: [ResetService, ResetSchedulerService, ...workers],
    };
  }
}
