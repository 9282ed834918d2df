import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { registerProcessor } from '../common/workers.js';
import { runsWorkers, servesAdminApi, type AppConfig } from '../config/app-config.js';
import { RESET_QUEUE } from './reset.contract.js';
import { ResetProcessor } from './reset.processor.js';
import { ResetSchedulerService } from './reset-scheduler.service.js';
import { ResetService } from './reset.service.js';
import { ResetsController } from './resets.controller.js';

@Module({})
export class ResetsModule {
  static forRoot(config: AppConfig): DynamicModule {
    const workers = runsWorkers(config)
      ? [registerProcessor(ResetProcessor, RESET_QUEUE, config)]
      : [];
    return {
      module: ResetsModule,
      global: true,
      imports: [BullModule.registerQueue({ name: RESET_QUEUE })],
      controllers: servesAdminApi(config) ? [ResetsController] : [],
      providers: [ResetService, ResetSchedulerService, ...workers],
      exports: [BullModule],
    };
  }
}
