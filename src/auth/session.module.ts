import { Module, type DynamicModule } from '@nestjs/common';
import { servesAdminApi, type AppConfig } from '../config/app-config.js';
import { SessionController } from './session.controller.js';

@Module({})
export class SessionModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: SessionModule,
      controllers: servesAdminApi(config) ? [SessionController] : [],
    };
  }
}
