import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { redemptionJobId, rollbackJobId } from '../jobs/job.ids.js';
import {
  addReplacingFailed,
  jobStatus,
  type JobStatus,
  type Settlement,
} from '../jobs/job.status.js';
import { JobWaiter } from '../jobs/job.waiter.js';
import {
  JobName,
  REDEMPTION_QUEUE,
  type RedeemJobData,
  type RedemptionOutcome,
  type RollbackJobData,
  type RollbackOutcome,
} from './redemption.contract.js';

/** The REST side of the queue: publish a `redeem` or `rollback` job, wait a while for its end, look one up. */
@Injectable()
export class RedemptionQueueService {
  constructor(
    @InjectQueue(REDEMPTION_QUEUE) private readonly queue: Queue,
    private readonly waiter: JobWaiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Settles with the decision, or 'pending' when none came in REDEMPTION_WAIT_MS. */
  async submit(
    data: RedeemJobData,
  ): Promise<{ jobId: string; settlement: Settlement<RedemptionOutcome> }> {
    const jobId =
      data.orderId === undefined
        ? `redeem.${randomUUID()}`
        : redemptionJobId(data.couponCode, data.orderId);
    // A retried request with the same order finds the job it added before, perhaps long
    // finished; one that failed is no decision, and this request is published anew.
    const settlement = await this.waiter.publishAndWait<RedemptionOutcome>(
      this.queue,
      jobId,
      this.config.redemptionWaitMs,
      () => addReplacingFailed(this.queue, JobName.Redeem, data, { jobId }),
    );
    return { jobId, settlement };
  }

  /** Settles with the rollback's outcome, or 'pending' when none came in REDEMPTION_WAIT_MS. */
  async submitRollback(
    data: RollbackJobData,
  ): Promise<{ jobId: string; settlement: Settlement<RollbackOutcome> }> {
    const jobId = rollbackJobId(data.couponCode, data.orderId, randomUUID());
    const settlement = await this.waiter.publishAndWait<RollbackOutcome>(
      this.queue,
      jobId,
      this.config.redemptionWaitMs,
      async () => {
        await this.queue.add(JobName.Rollback, data, { jobId });
      },
    );
    return { jobId, settlement };
  }

  status(jobId: string): Promise<JobStatus<RedemptionOutcome>> {
    return jobStatus(this.queue, jobId);
  }
}
