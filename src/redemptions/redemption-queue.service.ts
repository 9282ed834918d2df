import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../clock/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { normalizeCouponCode } from '../domain/coupon.js';
import {
  NOTHING_REMAINING,
  outcomeKey,
  rejectedOutcome,
  rejectedReservation,
} from '../domain/outcome.js';
import {
  ownRedemptionJobId,
  redemptionJobId,
  rollbackJobId,
  releaseJobId,
  reservationJobId,
} from '../jobs/job.ids.js';
import type { Queue } from 'bullmq';
import {
  awaitQueueReplicas,
  NotReplicatedError,
  queueHolding,
} from '@coupon-code-service/client/internal';
import {
  addUnlessAnswered,
  jobStatus,
  type JobStatus,
  type Settlement,
} from '../jobs/job.status.js';
import { JobWaiter } from '../jobs/job.waiter.js';
import { RedemptionQueues } from '../jobs/redemption-queues.js';
import { MetricsService } from '../monitoring/metrics.service.js';
import { CouponRepository, findCodeOwner } from '../store/coupon.repository.js';
import { RedemptionService, replayOf } from './redemption.service.js';
import { GuessLimits } from '../store/guess.limits.js';
import { UsageLedger } from '../store/usage.ledger.js';
import {
  JobName,
  type RedeemJobData,
  type RedemptionOutcome,
  type ReleaseOutcome,
  type ReservationOutcome,
  type ReserveJobData,
  type RollbackJobData,
  type RollbackOutcome,
} from './redemption.contract.js';

/**
 * The answer of DELETE /reservations/:couponCode/:orderId: the `release` job's outcome, or, when
 * the order has no live hold (so no user to name), RESERVATION_NOT_FOUND without a userId.
 */
export type ReleaseAnswer = Omit<ReleaseOutcome, 'userId'> & { userId?: string };

/**
 * The REST side of the queue: publish a `redeem`, `rollback`, `reserve` or `release` job, wait a
 * while for its end, look one up.
 */
@Injectable()
export class RedemptionQueueService {
  private readonly logger = new Logger('Redemptions');

  constructor(
    private readonly queues: RedemptionQueues,
    private readonly waiter: JobWaiter,
    private readonly ledger: UsageLedger,
    private readonly coupons: CouponRepository,
    private readonly guesses: GuessLimits,
    private readonly metrics: MetricsService,
    private readonly redemptions: RedemptionService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A request for an unknown coupon counts against the client address's guess limit
   * (GUESS_LIMIT_PER_HOUR within the hour), here, before anything is published, so the count is
   * exact however the requests overlap or however late their answers come. Past the limit it is
   * answered without a job: the order's first outcome if it was decided, else TOO_MANY_ATTEMPTS,
   * with the seconds until the limit frees up. Undefined when the request is to be published.
   * Known coupons always are: every REST caller holds a token that may list them anyway, and the
   * customers of an order system behind one address must not stop each other.
   */
  async refuseGuesser(
    data: RedeemJobData,
    client: string,
  ): Promise<{ outcome: RedemptionOutcome; retryAfterSeconds: number } | undefined> {
    const request = { ...data, couponCode: normalizeCouponCode(data.couponCode) };
    const retryAfterSeconds = await this.addressGuessWait(request.couponCode, client);
    if (retryAfterSeconds === 0) return undefined;
    const now = this.clock.now();
    const replayed = await replayOf(
      this.ledger,
      request.couponCode,
      outcomeKey(data.orderId, undefined),
      { userId: data.userId, publication: '', now },
    );
    const outcome =
      replayed ?? rejectedOutcome(request, 'TOO_MANY_ATTEMPTS', NOTHING_REMAINING, now);
    if (!replayed) this.metrics.recordRefusal(outcome);
    return { outcome, retryAfterSeconds };
  }

  /**
   * For an unknown code, counts a guess of the client address: the seconds until its limit frees
   * up when it is past it, else 0 (also for a known code, which is no guess).
   */
  private async addressGuessWait(couponCode: string, client: string): Promise<number> {
    if (await findCodeOwner(this.coupons, couponCode)) return 0;
    return this.guesses.guessed('address', client);
  }

  /**
   * refuseGuesser for a reserve: an unknown coupon counts against the same address limit, and past
   * it is refused TOO_MANY_ATTEMPTS unpublished. No order needs replaying: an unknown code holds
   * nothing.
   */
  async refuseReserveGuesser(
    data: ReserveJobData,
    client: string,
  ): Promise<{ outcome: ReservationOutcome; retryAfterSeconds: number } | undefined> {
    const couponCode = normalizeCouponCode(data.couponCode);
    const retryAfterSeconds = await this.addressGuessWait(couponCode, client);
    if (retryAfterSeconds === 0) return undefined;
    const request = { couponCode, userId: data.userId, orderId: data.orderId };
    const now = this.clock.now();
    this.metrics.recordHold('rejected');
    return {
      outcome: rejectedReservation(request, 'TOO_MANY_ATTEMPTS', NOTHING_REMAINING, now),
      retryAfterSeconds,
    };
  }

  /** Settles with the decision, or 'pending' when none came in REDEMPTION_WAIT_MS. */
  async submit(
    data: RedeemJobData,
  ): Promise<{ jobId: string; settlement: Settlement<RedemptionOutcome> }> {
    const jobId =
      data.orderId === undefined
        ? `redeem.${randomUUID()}`
        : redemptionJobId(data.couponCode, data.orderId);
    const first = await this.publishAndWait(jobId, (queue) =>
      this.publishRedeem(queue, jobId, data),
    );
    if (first.settlement.kind !== 'completed' || first.settlement.value.userId === data.userId) {
      return first;
    }
    // The order's job is another user's: this request is decided under a job of its own
    // (ORDER_CONFLICT), never answered with their outcome.
    const ownJobId = ownRedemptionJobId(jobId);
    return this.publishAndWait(ownJobId, (queue) =>
      addUnlessAnswered(queue, JobName.Redeem, data, { jobId: ownJobId }),
    );
  }

  /**
   * Publishes to the partition that holds the job already, else to the job's own, and waits; with
   * REDIS_WAIT_REPLICAS first until that many replicas hold the job, for at most
   * REDIS_WAIT_TIMEOUT_MS. The job is queued either way and will be decided, so a publish not
   * acknowledged in time is still answered (decided, or 202 with its id), never refused: a caller
   * told to try again would count a use per try where it has no orderId.
   */
  private async publishAndWait<T>(
    jobId: string,
    publish: (queue: Queue) => Promise<JobStatus<T> | void>,
  ): Promise<{ jobId: string; settlement: Settlement<T> }> {
    const queue = await queueHolding(this.queues.all, this.queues.forJob(jobId), jobId);
    const settlement = await this.waiter.publishAndWait<T>(
      queue,
      jobId,
      this.config.redemptionWaitMs,
      async () => {
        const status = await publish(queue);
        await awaitQueueReplicas(
          queue,
          this.config.redisWaitReplicas ?? 0,
          this.config.redisWaitTimeoutMs ?? 1000,
        ).catch((error: unknown) => {
          if (!(error instanceof NotReplicatedError)) throw error;
          this.logger.warn({
            msg: 'published job not yet on a replica',
            jobId,
            error: error.message,
          });
        });
        return status;
      },
    );
    return { jobId, settlement };
  }

  /**
   * Publishes under the order's job id. A retried request finds the job it added before, perhaps
   * long finished: one that failed is no decision, and one whose acceptance no longer stands (the
   * order was rolled back while that job's worker was dead, so the job was left) is no answer
   * either; this request is then published anew and decided afresh.
   */
  private publishRedeem(
    queue: Queue,
    jobId: string,
    data: RedeemJobData,
  ): Promise<JobStatus<RedemptionOutcome>> {
    return addUnlessAnswered<RedemptionOutcome>(queue, JobName.Redeem, data, { jobId }, (outcome) =>
      this.stillStands(outcome),
    );
  }

  /**
   * Whether the store still keeps this outcome as the order's: an acceptance rolled back, a
   * rejection past REJECTION_TTL_HOURS, and a refusal that keeps nothing (an unknown coupon, too
   * many guesses) are decided afresh, also when another request's outcome stands there now.
   */
  private async stillStands(outcome: RedemptionOutcome): Promise<boolean> {
    if (outcome.orderId === undefined) return true;
    // The outcome's codes are normalised already; a unique code's is kept under its coupon.
    const key = outcomeKey(outcome.orderId, undefined)!;
    const kept = await this.ledger.findOutcome(
      outcome.coupon ?? outcome.couponCode,
      key,
      this.clock.now(),
    );
    return kept?.userId === outcome.userId && kept.processedAt === outcome.processedAt;
  }

  /** Settles with the rollback's outcome, or 'pending' when none came in REDEMPTION_WAIT_MS. */
  async submitRollback(
    data: RollbackJobData,
  ): Promise<{ jobId: string; settlement: Settlement<RollbackOutcome> }> {
    const jobId = rollbackJobId(data.couponCode, data.orderId, randomUUID());
    return this.publishAndWait<RollbackOutcome>(jobId, async (queue) => {
      await queue.add(JobName.Rollback, data, { jobId });
    });
  }

  /**
   * Settles with the reserve's outcome, or 'pending' when none came in REDEMPTION_WAIT_MS. Each
   * call is a job of its own (reservationJobId): the store answers a second reserve of a held
   * order with that hold, and a fixed id would answer one made after the hold ended with the
   * finished job's stale outcome.
   */
  async submitReserve(
    data: ReserveJobData,
  ): Promise<{ jobId: string; settlement: Settlement<ReservationOutcome> }> {
    const jobId = reservationJobId(data.couponCode, data.orderId, randomUUID());
    return this.publishAndWait<ReservationOutcome>(jobId, async (queue) => {
      await queue.add(JobName.Reserve, data, { jobId });
    });
  }

  /**
   * Frees the order's live hold under the code (the coupon's, or the hold's unique code): a
   * `release` job naming the hold's user, as only the store may free it. Without a live hold
   * nothing is published (jobId undefined) and the answer is RESERVATION_NOT_FOUND at once.
   */
  async submitRelease(
    couponCode: string,
    orderId: string,
  ): Promise<{ jobId?: string; settlement: Settlement<ReleaseAnswer> }> {
    const hold = await this.redemptions.findHold(couponCode, orderId);
    if (!hold) {
      this.metrics.recordHold('not-found');
      const value: ReleaseAnswer = {
        status: 'rejected',
        reason: 'RESERVATION_NOT_FOUND',
        couponCode: normalizeCouponCode(couponCode),
        orderId,
        processedAt: new Date(this.clock.now()).toISOString(),
      };
      return { settlement: { kind: 'completed', value } };
    }
    const data = { couponCode, userId: hold.userId, orderId };
    const jobId = releaseJobId(couponCode, orderId, randomUUID());
    return this.publishAndWait<ReleaseOutcome>(jobId, async (queue) => {
      await queue.add(JobName.Release, data, { jobId });
    });
  }

  /** The job's status, in whichever partition a producer published it. */
  async status(jobId: string): Promise<JobStatus<RedemptionOutcome>> {
    return jobStatus(await queueHolding(this.queues.all, this.queues.forJob(jobId), jobId), jobId);
  }
}
