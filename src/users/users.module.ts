import { Module, type DynamicModule } from '@nestjs/common';
import { servesAdminApi, type AppConfig } from '../config/app-config.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

/** Users for the features that need them (is this user known?). */
@Module({ providers: [UsersService], exports: [UsersService] })
export class UsersModule {}

/**
 * The users REST API, where this process serves the admin API. Apart from UsersModule so that
 * importing the users into a feature never registers the controller again.
 */
@Module({})
export class UsersApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: UsersApiModule,
      imports: [UsersModule],
      controllers: servesAdminApi(config) ? [UsersController] : [],
    };
  }
}
