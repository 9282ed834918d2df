import {
  ApiOkResponse,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors, ErrorResponse, errorExample } from '../common/openapi.js';
import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Queue } from 'bullmq';
import { Public } from '../auth/public.decorator.js';
import { runsWorkers, type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { REDEMPTION_QUEUE } from '../redemptions/redemption.contract.js';
import { partitionLabel } from '../jobs/redemption-queues.js';
import { RedemptionProcessor, redemptionWorkerToken } from '../redemptions/redemption.processor.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('operations')
@Controller()
export class MonitoringController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly metrics: MetricsService,
    private readonly moduleRef: ModuleRef,
    @InjectQueue(REDEMPTION_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The process is up and answering. */
  @Public()
  @Get('health/live')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  live() {
    return this.health.check([]);
  }

  /** Redis answers, and where this process runs workers, the redemption worker is running. */
  @Public()
  @Get('health/ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiServiceUnavailableResponse({
    type: ErrorResponse,
    description: 'Something is down; `details` says what',
    example: {
      ...errorExample(503, 'Service Unavailable Exception'),
      details: { redis: { status: 'down', message: 'timeout of 1000ms exceeded' } },
    },
  })
  ready() {
    return this.health.check([
      () =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            await this.queue.getJobCounts('active'); // any command proves Redis answers
          })
          .withTimeout(1000),
      ...(runsWorkers(this.config) ? [() => this.workerRunning()] : []),
    ]);
  }

  private workerRunning() {
    return this.indicators.check('worker').attempt(() => {
      const partitions = this.config.queuePartitions ?? 1;
      for (let partition = 0; partition < partitions; partition++) {
        const worker = this.moduleRef.get<RedemptionProcessor>(redemptionWorkerToken(partition), {
          strict: false,
        }).worker;
        if (!worker.isRunning() || worker.isPaused()) {
          const which = partitions > 1 ? ` of ${partitionLabel(partition)}` : '';
          throw new Error(`the redemption worker${which} is not running`);
        }
      }
    });
  }

  /** Prometheus text format; needs the admin token like the rest of the API. */
  @Get('metrics')
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format' })
  @ApiErrors()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
