import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { registerProcessor } from '../common/workers.js';
import type { AppConfig } from '../config/app-config.js';
import { RESET_QUEUE } from './reset.contract.js';
import { ResetProcessor } from './reset.processor.js';
import { ResetSchedulerService } from './reset-scheduler.service.js';
import { ResetService } from './reset.service.js';
import { ResetsController } from './resets.controller.js';

@Module({})
export class ResetsModule {
  static forRoot(config: AppConfig): DynamicModule {
    const workers =
      config.role === 'api' ? [] : [registerProcessor(ResetProcessor, RESET_QUEUE, config)];
    return {
      module: ResetsModule,
      imports: [BullModule.registerQueue({ name: RESET_QUEUE })],
      controllers: [ResetsController],
      providers: [ResetService, ResetSchedulerService, ...workers],
    };
  }
}
