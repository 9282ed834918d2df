import { Injectable } from '@nestjs/common';
import { DelayedError, UnrecoverableError, type Job, type Queue } from 'bullmq';
import { isRedisUnavailable } from '../redis/unavailable.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { validatePlain } from '../common/validation.js';
import { redemptionJobId } from '../jobs/job.ids.js';
import { JobWaiter } from '../jobs/job.waiter.js';
import { RedemptionQueues } from '../jobs/redemption-queues.js';
import { ReportingWorkerHost } from '../jobs/worker.host.js';
import { MetricsService } from '../monitoring/metrics.service.js';
import { publicationId } from '../domain/outcome.js';
import { RedeemDto, wellFormedRedeemData } from './redeem.dto.js';
import {
  JobName,
  REDEMPTION_QUEUE,
  type RedemptionOutcome,
  type ReleaseOutcome,
  type ReservationOutcome,
  type RollbackOutcome,
} from './redemption.contract.js';
import { ReleaseDto, ReserveDto } from './reservation.dto.js';
import { RollbackDto } from './rollback.dto.js';
import { RedemptionService } from './redemption.service.js';

const STORE_RETRY_DELAY_MS = 500;

/** The provider token of partition `partition`'s worker; partition 0's is the class itself. */
export const redemptionWorkerToken = (partition: number) =>
  partition === 0 ? RedemptionProcessor : `${RedemptionProcessor.name}:p${partition}`;

/**
 * Decides `redeem` jobs: WORKER_CONCURRENCY at a time (default 1, or 8 with STORE=redis). Each
 * check-and-commit is one atomic step in the store, so caps stay exact at any concurrency and
 * across processes.
 */
// The queue binding (@Processor) is added by processorProvider when the module is built.
@Injectable()
export class RedemptionProcessor extends ReportingWorkerHost {
  constructor(
    private readonly redemptions: RedemptionService,
    private readonly metrics: MetricsService,
    private readonly queues: RedemptionQueues,
    waiter: JobWaiter,
  ) {
    super(REDEMPTION_QUEUE, waiter);
  }

  /**
   * A decision the store could not make or not get replicated (Redis or one cluster shard down,
   * a failover under way, replicas behind) puts the job back for a moment without spending an
   * attempt: with one shard down the workers keep taking jobs from the other partitions' shards,
   * and a few quick attempts would otherwise fail them for good. While the job's own queue is
   * unreachable too, moving it fails, and BullMQ runs it again once its lock expires.
   */
  async process(
    job: Job,
    token?: string,
  ): Promise<RedemptionOutcome | RollbackOutcome | ReservationOutcome | ReleaseOutcome> {
    try {
      return await this.decide(job);
    } catch (error) {
      if (!isRedisUnavailable(error) || token === undefined) throw error;
      this.logger.warn({
        msg: 'store unavailable; job put back',
        jobId: job.id,
        error: (error as Error).message,
      });
      await job.moveToDelayed(Date.now() + STORE_RETRY_DELAY_MS, token);
      throw new DelayedError();
    }
  }

  private async decide(
    job: Job,
  ): Promise<RedemptionOutcome | RollbackOutcome | ReservationOutcome | ReleaseOutcome> {
    const name = job.name as JobName;
    switch (name) {
      case JobName.Redeem: {
        const data = wellFormedRedeemData(job.data) ?? this.validData(RedeemDto, job);
        const started = performance.now();
        const outcome = await this.redemptions.redeem(data, publicationId(job.id!, job.timestamp));
        this.metrics.recordDecision(job, outcome, (performance.now() - started) / 1000);
        if (outcome.hold) this.metrics.recordHold('confirmed');
        this.logger.debug({
          msg: 'redeem decided',
          jobId: job.id,
          couponCode: outcome.couponCode,
          status: outcome.status,
          reason: outcome.reason,
        });
        return outcome;
      }
      case JobName.Rollback: {
        const outcome = await this.redemptions.rollback(
          this.validData(RollbackDto, job),
          publicationId(job.id!, job.timestamp),
        );
        // Also when already rolled back: this may be a retry of a rollback whose removal failed.
        if (outcome.status !== 'rejected') {
          // The order's job may be under the unique code it was redeemed with.
          for (const code of await this.redemptions.redeemJobCodes(outcome)) {
            await this.forgetRedeemJob(redemptionJobId(code, outcome.orderId));
          }
        }
        this.metrics.recordRollback(outcome);
        this.logger.debug({ msg: 'rollback decided', jobId: job.id, status: outcome.status });
        return outcome;
      }
      case JobName.Reserve: {
        const outcome = await this.redemptions.reserve(
          this.validData(ReserveDto, job),
          publicationId(job.id!, job.timestamp),
        );
        this.metrics.recordHold(outcome.status === 'reserved' ? 'reserved' : 'rejected');
        // A finished redeem job of the order (a refusal before the hold) would answer the
        // confirming redeem, published under the same id, with its old outcome.
        if (outcome.status === 'reserved') {
          await this.forgetRedeemJob(redemptionJobId(outcome.couponCode, outcome.orderId));
        }
        return outcome;
      }
      case JobName.Release: {
        const outcome = await this.redemptions.release(this.validData(ReleaseDto, job));
        this.metrics.recordHold(outcome.status === 'released' ? 'released' : 'not-found');
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

  /**
   * Removes the finished `redeem` job of a rolled-back or newly held order, so that the order,
   * published again under its deterministic job id, is a new job decided afresh instead of the old
   * job's answer.
   * A job still running is the old one finishing: wait a little for it. One that stays active
   * (its worker died) is left: when BullMQ runs it again it replays its decision, counting
   * nothing, and the REST path replaces it on the next publish of the order. A waiting job is a
   * new publish: keep it.
   */
  private async forgetRedeemJob(jobId: string): Promise<void> {
    // Any partition: a producer may have published the order to any of them.
    await Promise.all(this.queues.all.map((queue) => this.forgetJob(queue, jobId)));
  }

  private async forgetJob(queue: Queue, jobId: string): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const state = await queue.getJobState(jobId);
      if (state !== 'completed' && state !== 'failed' && state !== 'active') return;
      if (state !== 'active' && (await queue.remove(jobId)) === 1) return;
      await sleep(25);
    }
    this.logger.warn({ msg: 'redeem job of a rolled-back order still active; left', jobId });
  }

  private validData<T extends object>(cls: new () => T, job: Job): T {
    const { value, problems } = validatePlain(cls, job.data);
    if (problems)
      throw new UnrecoverableError(`Invalid ${job.name} job data: ${problems.join('; ')}`);
    return value;
  }
}
