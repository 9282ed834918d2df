import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { AuthModule } from '../auth/auth.module.js';
import { ADMIN_TOKEN } from '../auth/token.js';
import { REDEMPTION_QUEUE } from '../redemptions/redemption.contract.js';
import { RESET_QUEUE } from '../resets/reset.contract.js';
import { dashboardAuth } from './dashboard-auth.js';
import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MetricsService } from './metrics.service.js';
import { MonitoringController } from './monitoring.controller.js';

@Global()
@Module({
  imports: [
    TerminusModule,
    BullBoardModule.forRootAsync({
      imports: [AuthModule],
      inject: [ADMIN_TOKEN],
      useFactory: (token: string) => ({
        route: '/queues',
        adapter: ExpressAdapter,
        middleware: dashboardAuth(token),
        boardOptions: { uiConfig: { boardTitle: 'Coupon queues' } },
      }),
    }),
    BullBoardModule.forFeature(
      { name: REDEMPTION_QUEUE, adapter: BullMQAdapter },
      { name: RESET_QUEUE, adapter: BullMQAdapter },
    ),
  ],
  controllers: [MonitoringController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MonitoringModule {}
