import { Module, type DynamicModule } from '@nestjs/common';
import { servesAdminApi, type AppConfig } from '../config/app-config.js';
import { CodesController } from './codes.controller.js';
import { CodesService } from './codes.service.js';

/** Batches of unique codes under a coupon, over REST. */
@Module({})
export class CodesModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CodesModule,
      controllers: servesAdminApi(config) ? [CodesController] : [],
      providers: [CodesService],
    };
  }
}
