import { Injectable } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { JobWaiter } from '../jobs/job.waiter.js';
import { ReportingWorkerHost } from '../jobs/worker.host.js';
import { MetricsService } from '../monitoring/metrics.service.js';
import {
  RESET_QUEUE,
  RESET_WINDOWS,
  ResetJobName,
  type ResetJobData,
  type ResetResult,
} from './reset.contract.js';
import { ResetService } from './reset.service.js';

// The queue binding (@Processor) is added by processorProvider when the module is built.
@Injectable()
export class ResetProcessor extends ReportingWorkerHost {
  constructor(
    private readonly resets: ResetService,
    private readonly metrics: MetricsService,
    waiter: JobWaiter,
  ) {
    super(RESET_QUEUE, waiter);
  }

  async process(job: Job): Promise<ResetResult> {
    const name = job.name as ResetJobName;
    switch (name) {
      case ResetJobName.Daily:
      case ResetJobName.Weekly: {
        const data = (job.data ?? {}) as ResetJobData;
        // A scheduler's job is due at prevMillis; a plain delayed job at its timestamp plus delay.
        const scheduledFor = job.opts.prevMillis ?? job.timestamp + (job.opts.delay ?? 0);
        const result = await this.resets.reset(
          RESET_WINDOWS[name],
          data.trigger === 'manual' ? 'manual' : { scheduledFor },
        );
        this.metrics.recordReset(result.window);
        return result;
      }
      default: {
        const unknown: never = name;
        throw new UnrecoverableError(`Unknown job name "${String(unknown)}" on ${RESET_QUEUE}`);
      }
    }
  }
}
