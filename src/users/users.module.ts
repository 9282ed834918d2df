import { Module, type DynamicModule } from '@nestjs/common';
import { servesAdminApi, type AppConfig } from '../config/app-config.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({})
export class UsersModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: UsersModule,
      controllers: servesAdminApi(config) ? [UsersController] : [],
      providers: [UsersService],
      exports: [UsersService],
    };
  }
}
