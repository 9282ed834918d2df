import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { REDEMPTION_QUEUE } from './redemption.contract.js';
import { RedemptionProcessor } from './redemption.processor.js';
import { RedemptionQueueService } from './redemption-queue.service.js';
import { RedemptionService } from './redemption.service.js';
import { RedemptionsController } from './redemptions.controller.js';

@Module({
  imports: [
    BullModule.registerQueue({
      name: REDEMPTION_QUEUE,
      // For jobs the REST API publishes; order systems set their own options.
      defaultJobOptions: {
        attempts: 3,
        backoff: { type: 'exponential', delay: 200 },
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    }),
  ],
  controllers: [RedemptionsController],
  providers: [RedemptionService, RedemptionQueueService, RedemptionProcessor],
  exports: [RedemptionService],
})
export class RedemptionsModule {}
