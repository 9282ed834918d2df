import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, type Job } from 'bullmq';
import { validatePlain } from '../common/validation.js';
import { DecisionWaiter } from './decision-waiter.js';
import { RedeemDto } from './redeem.dto.js';
import { JobName, REDEMPTION_QUEUE, type RedemptionOutcome } from './redemption.contract.js';
import { RedemptionService } from './redemption.service.js';

/** Takes one job at a time (BullMQ's default concurrency of 1), so no two decisions interleave. */
@Processor(REDEMPTION_QUEUE)
export class RedemptionProcessor extends WorkerHost {
  constructor(
    private readonly redemptions: RedemptionService,
    private readonly waiter: DecisionWaiter,
  ) {
    super();
  }

  async process(job: Job): Promise<RedemptionOutcome> {
    const name = job.name as JobName;
    switch (name) {
      case JobName.Redeem:
        return this.redemptions.redeem(this.validData(RedeemDto, job));
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

  @OnWorkerEvent('completed')
  onCompleted(job: Job, outcome: RedemptionOutcome): void {
    this.waiter.settle(job.id!, { kind: 'decided', outcome });
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    if (!job) return;
    const final =
      error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final) this.waiter.settle(job.id!, { kind: 'failed', error: error.message });
  }
}
