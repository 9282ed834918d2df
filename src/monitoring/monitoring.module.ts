import { getQueueToken } from '@nestjs/bullmq';
import { Inject, Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { Queue } from 'bullmq';
import { AuthModule } from '../auth/auth.module.js';
import { RateLimits } from '../auth/rate-limits.js';
import { ADMIN_TOKEN } from '../auth/token.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { RESET_QUEUE } from '../jobs/queue.contract.js';
import { RedemptionQueues } from '../jobs/redemption-queues.js';
import { dashboardAuth } from './dashboard-auth.js';
import { MetricsModule } from './metrics.module.js';
import { MonitoringController } from './monitoring.controller.js';
import { DASHBOARD_ROUTE, queueDashboard } from './queue-dashboard.js';

@Module({
  imports: [TerminusModule, AuthModule, JobsModule, MetricsModule],
  controllers: [MonitoringController],
})
export class MonitoringModule implements NestModule {
  constructor(
    @Inject(ADMIN_TOKEN) private readonly token: string,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly limits: RateLimits,
    private readonly redemptions: RedemptionQueues,
    @Inject(getQueueToken(RESET_QUEUE)) private readonly resets: Queue,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(
        dashboardAuth(this.token, this.config.viewerToken, this.limits),
        queueDashboard([
          ...this.redemptions.all.map((queue, partition) => ({ queue, partition })),
          { queue: this.resets },
        ]),
      )
      .forRoutes(DASHBOARD_ROUTE);
  }
}
