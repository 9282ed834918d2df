import { Injectable } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { JobWaiter } from '../common/job-waiter.js';
import { ReportingWorkerHost } from '../common/workers.js';
import { validatePlain } from '../common/validation.js';
import { MetricsService } from '../monitoring/metrics.service.js';
import { RedeemDto, wellFormedRedeemData } from './redeem.dto.js';
import { JobName, REDEMPTION_QUEUE, type RedemptionOutcome } from './redemption.contract.js';
import { RedemptionService } from './redemption.service.js';

/**
 * Decides `redeem` jobs: WORKER_CONCURRENCY at a time (default 1). Each check-and-commit is one
 * atomic step in the store, so caps stay exact at any concurrency and across processes.
 */
// The queue binding (@Processor) is added by registerProcessor when the module is built.
@Injectable()
export class RedemptionProcessor extends ReportingWorkerHost {
  constructor(
    private readonly redemptions: RedemptionService,
    private readonly metrics: MetricsService,
    waiter: JobWaiter,
  ) {
    super(REDEMPTION_QUEUE, waiter);
  }

  async process(job: Job): Promise<RedemptionOutcome> {
    const name = job.name as JobName;
    switch (name) {
      case JobName.Redeem: {
        const data = wellFormedRedeemData(job.data) ?? this.validData(RedeemDto, job);
        const started = performance.now();
        const outcome = await this.redemptions.redeem(data, job.id);
        this.metrics.recordDecision(job, outcome, (performance.now() - started) / 1000);
        this.logger.debug({
          msg: 'redeem decided',
          jobId: job.id,
          couponCode: outcome.couponCode,
          status: outcome.status,
          reason: outcome.reason,
        });
        return outcome;
      }
      default: {
        const unknown: never = name;
        throw new UnrecoverableError(
          `Unknown job name "${String(unknown)}" on ${REDEMPTION_QUEUE}`,
        );
      }
    }
  }

  private validData<T extends object>(cls: new () => T, job: Job): T {
    const { value, problems } = validatePlain(cls, job.data);
    if (problems)
      throw new UnrecoverableError(`Invalid ${job.name} job data: ${problems.join('; ')}`);
    return value;
  }
}
