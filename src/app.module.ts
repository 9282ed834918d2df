import { BullModule } from '@nestjs/bullmq';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module.js';
import { SessionModule } from './auth/session.module.js';
import { Clock, SystemClock } from './clock/clock.js';
import { ErrorFilter } from './common/error.filter.js';
import { StrictValidationPipe } from './common/validation.js';
import type { AppConfig } from './config/app-config.js';
import { APP_CONFIG, AppConfigModule } from './config/config.module.js';
import { CodesModule } from './codes/codes.module.js';
import { ConsoleModule } from './console/console.module.js';
import { CouponsModule } from './coupons/coupons.module.js';
import { MonitoringModule } from './monitoring/monitoring.module.js';
import { loggingOptions } from './monitoring/logging.js';
import { LoggerModule } from 'nestjs-pino';
import { RedemptionsModule } from './redemptions/redemptions.module.js';
import { ResetsModule } from './resets/resets.module.js';
import { RedisConnections, RedisConnectionsModule } from './redis/connections.js';
import { StoreModule } from './store/store.module.js';
import { UsersApiModule } from './users/users.module.js';

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
        LoggerModule.forRoot(loggingOptions(config)),
        RedisConnectionsModule,
        ClockModule,
        StoreModule,
        AuthModule,
        BullModule.forRootAsync({
          imports: [RedisConnectionsModule],
          inject: [APP_CONFIG, RedisConnections],
          // Workers get a connection of their own (processorProvider).
          useFactory: (appConfig: AppConfig, connections: RedisConnections) => ({
            connection: connections.producer(),
            prefix: appConfig.queuePrefix,
          }),
        }),
        SessionModule.forRoot(config),
        CouponsModule.forRoot(config),
        CodesModule.forRoot(config),
        UsersApiModule.forRoot(config),
        RedemptionsModule.forRoot(config),
        ResetsModule.forRoot(config),
        MonitoringModule,
        ConsoleModule.forRoot(config),
      ],
      providers: [
        {
          provide: APP_PIPE,
          inject: [Clock, APP_CONFIG],
          useFactory: (clock: Clock, appConfig: AppConfig) =>
            new StrictValidationPipe(() => ({ now: clock.now(), couponTz: appConfig.couponTz })),
        },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
