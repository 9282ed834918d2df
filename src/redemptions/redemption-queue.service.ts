import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DecisionWaiter, type Settlement } from './decision-waiter.js';
import {
  JobName,
  REDEMPTION_QUEUE,
  redemptionJobId,
  type RedeemJobData,
  type RedemptionOutcome,
} from './redemption.contract.js';

export type JobStatus = Settlement | { kind: 'unknown' };

/** The REST side of the queue: publish a `redeem` job, wait a while for its decision, look one up. */
@Injectable()
export class RedemptionQueueService {
  constructor(
    @InjectQueue(REDEMPTION_QUEUE) private readonly queue: Queue,
    private readonly waiter: DecisionWaiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Settles with the decision, or 'pending' with the job id when none came in REDEMPTION_WAIT_MS. */
  async submit(data: RedeemJobData): Promise<{ jobId: string; settlement: Settlement }> {
    const jobId =
      data.orderId === undefined
        ? `redeem.${randomUUID()}`
        : redemptionJobId(data.couponCode, data.orderId);
    const decision = this.waiter.wait(jobId, this.config.redemptionWaitMs);
    await this.queue.add(JobName.Redeem, data, { jobId });
    // A retried request with the same order finds the job it added before, perhaps long finished.
    let earlier = await this.status(jobId);
    if (earlier.kind === 'failed') {
      // A failed job is no decision: it must not stand for the order. Publish this request anew.
      await this.queue.remove(jobId);
      await this.queue.add(JobName.Redeem, data, { jobId });
      earlier = await this.status(jobId);
    }
    if (earlier.kind === 'decided') this.waiter.settle(jobId, earlier);
    return { jobId, settlement: await decision };
  }

  async status(jobId: string): Promise<JobStatus> {
    // State first: a job read before it finished would lack the return value its state promises.
    const state = await this.queue.getJobState(jobId);
    if (state === 'unknown') return { kind: 'unknown' };
    if (state !== 'completed' && state !== 'failed') return { kind: 'pending' };
    const job: Job | undefined = await Job.fromId(this.queue, jobId);
    if (!job) return { kind: 'unknown' }; // removed in between
    return state === 'completed'
      ? { kind: 'decided', outcome: job.returnvalue as RedemptionOutcome }
      : { kind: 'failed', error: job.failedReason };
  }
}
