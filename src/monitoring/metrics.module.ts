import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { MetricsService } from './metrics.service.js';

/** The service's Prometheus metrics, for the workers that record them and the endpoint that shows them. */
@Module({ imports: [JobsModule], providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}
