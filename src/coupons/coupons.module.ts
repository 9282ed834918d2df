import { Module, type DynamicModule } from '@nestjs/common';
import { servesAdminApi, type AppConfig } from '../config/app-config.js';
import { UsersModule } from '../users/users.module.js';
import { CouponsController } from './coupons.controller.js';
import { CouponsService } from './coupons.service.js';

@Module({})
export class CouponsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CouponsModule,
      imports: [UsersModule],
      controllers: servesAdminApi(config) ? [CouponsController] : [],
      providers: [CouponsService],
    };
  }
}
