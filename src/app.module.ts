import { BullModule } from '@nestjs/bullmq';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module.js';
import { Clock, SystemClock } from './clock/clock.js';
import { ErrorFilter } from './common/error.filter.js';
import { validationPipe } from './common/validation.js';
import type { AppConfig } from './config/app-config.js';
import { APP_CONFIG, AppConfigModule } from './config/config.module.js';
import { CouponsController } from './coupons/coupons.controller.js';
import { CouponsService } from './coupons/coupons.service.js';
import { JobWaiter } from './common/job-waiter.js';
import { REDEMPTION_QUEUE } from './redemptions/redemption.contract.js';
import { RedemptionProcessor } from './redemptions/redemption.processor.js';
import { RedemptionQueueService } from './redemptions/redemption-queue.service.js';
import { RedemptionService } from './redemptions/redemption.service.js';
import { RedemptionsController } from './redemptions/redemptions.controller.js';
import { StoreModule } from './store/store.module.js';
import { UsersController } from './users/users.controller.js';
import { UsersService } from './users/users.service.js';

@Global()
@Module({ providers: [{ provide: Clock, useClass: SystemClock }], exports: [Clock] })
class ClockModule {}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        ClockModule,
        StoreModule,
        AuthModule,
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (appConfig: AppConfig) => ({
            connection: { url: appConfig.redisUrl },
            prefix: appConfig.queuePrefix,
          }),
        }),
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
      controllers: [CouponsController, UsersController, RedemptionsController],
      providers: [
        CouponsService,
        UsersService,
        RedemptionService,
        RedemptionQueueService,
        JobWaiter,
        RedemptionProcessor,
        { provide: APP_PIPE, useValue: validationPipe },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
