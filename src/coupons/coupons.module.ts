import { Module, type DynamicModule } from '@nestjs/common';
import { servesAdminApi, type AppConfig } from '../config/app-config.js';
import { UsersModule } from '../users/users.module.js';
import { CouponsController } from './coupons.controller.js';
import { CouponsService } from './coupons.service.js';
import { StatsController } from './stats.controller.js';
import { StatsService } from './stats.service.js';

@Module({})
export class CouponsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CouponsModule,
      imports: [UsersModule],
      controllers: servesAdminApi(config) ? [CouponsController, StatsController] : [],
      providers: [CouponsService, StatsService],
    };
  }
}
