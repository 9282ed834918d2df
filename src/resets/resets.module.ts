import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { RESET_QUEUE } from './reset.contract.js';
import { ResetProcessor } from './reset.processor.js';
import { ResetSchedulerService } from './reset-scheduler.service.js';
import { ResetService } from './reset.service.js';
import { ResetsController } from './resets.controller.js';

@Module({
  imports: [BullModule.registerQueue({ name: RESET_QUEUE })],
  controllers: [ResetsController],
  providers: [ResetService, ResetSchedulerService, ResetProcessor],
})
export class ResetsModule {}
