import { Queue, type JobsOptions, type RedisOptions } from 'bullmq';
import { Cluster, type ClusterOptions } from 'ioredis';
import { randomUUID } from 'node:crypto';
import {
  ownRedemptionJobId,
  redemptionJobId,
  releaseJobId,
  reservationJobId,
  rollbackJobId,
} from './job.ids.js';
import { DEFAULT_IDEMPOTENCY_TTL_HOURS, redemptionJobOptions } from './job.options.js';
import { addUnlessAnswered, queueHolding, type JobStatus } from './job.status.js';
import { JobWaiter } from './job.waiter.js';
import { QueueEventsRelay } from './queue-events.relay.js';
import {
  clusterQueuePrefix,
  parseClusterNodes,
  partitionOf,
  partitionPrefixes,
} from './partitions.js';
import { awaitQueueReplicas } from './replicas.js';
import {
  JobName,
  MAX_HOLD_TTL_SECONDS,
  MIN_HOLD_TTL_SECONDS,
  REDEMPTION_QUEUE,
  type JobData,
  type RedemptionOutcome,
  type ReleaseOutcome,
  type ReservationOutcome,
  type RollbackOutcome,
} from './queue.contract.js';

export interface CouponClientOptions {
  /**
   * A single Redis: `{ url: 'redis://…' }` or ioredis options; the client opens its own
   * connections. Give this or `clusterNodes`.
   */
  connection?: RedisOptions;
  /** A Redis Cluster: its seed nodes, `'host:port,host:port'` (the service's REDIS_CLUSTER_NODES). */
  clusterNodes?: string;
  /** ioredis Cluster options (with `clusterNodes`). */
  clusterOptions?: ClusterOptions;
  /**
   * The BullMQ queue prefix the service runs with (its QUEUE_PREFIX). Default 'bull'; on a cluster
   * wrapped in braces unless it has a hash tag, as the service does.
   */
  prefix?: string;
  /** The service's QUEUE_PARTITIONS (default 1): jobs are spread over that many queues. */
  partitions?: number;
  /**
   * Replicas that must hold each published job before a call goes on to wait for its decision
   * (WAIT), so that a failover of the queue's master cannot lose it. Default 0.
   */
  waitReplicas?: number;
  /** How long a publish waits for `waitReplicas` (default 1000 ms); then the call fails. */
  waitTimeoutMs?: number;
  /** How long a call waits for the job's end. Default 5000. */
  timeoutMs?: number;
  /**
   * The service's IDEMPOTENCY_TTL_HOURS (default 168): a finished `redeem` job is kept for the
   * shorter of this and a day, as the service keeps those it publishes.
   */
  idempotencyTtlHours?: number;
  /** How long the QueueEvents subscriber stays open after the last call waited. Default 60000. */
  subscriberIdleMs?: number;
}

export interface RedeemRequest {
  couponCode: string;
  userId: string;
  /** Required here: the order makes a retried publish count once. */
  orderId: string;
}

export type RollbackRequest = JobData[JobName.Rollback];

/** Holds one use for an order while its customer pays; `ttlSeconds` 1..86,400 (default the service's HOLD_TTL_SECONDS). */
export type ReserveRequest = JobData[JobName.Reserve];

/** Frees the order's live hold; `userId` must be the hold's user. */
export type ReleaseRequest = JobData[JobName.Release];

/**
 * No end within timeoutMs. The job stays queued and may still be decided: retrying the same
 * `redeem` is safe (same job id), and `jobId` can be looked up with GET /redemptions/:jobId.
 */
export class CouponClientTimeoutError extends Error {
  override readonly name = 'CouponClientTimeoutError';
  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
  ) {
    super(`Job ${jobId} did not finish within ${timeoutMs} ms; it stays queued`);
  }
}

/** The job failed for good (invalid data, or every attempt failed): there is no decision. */
export class CouponJobFailedError extends Error {
  override readonly name = 'CouponJobFailedError';
  constructor(
    readonly jobId: string,
    readonly failedReason: string,
  ) {
    super(`Job ${jobId} failed: ${failedReason}`);
  }
}

/**
 * The options the service's REST API publishes with (at the default IDEMPOTENCY_TTL_HOURS):
 * attempts and backoff ride out a worker crash; finished jobs are kept so that a retried publish
 * of an order finds its decision.
 */
export const CLIENT_JOB_OPTIONS: JobsOptions = redemptionJobOptions(DEFAULT_IDEMPOTENCY_TTL_HOURS);

const MAX_FIELD_LENGTH = 128;

/**
 * A typed producer for the `coupon-redemptions` queue: publishes `redeem`, `rollback`, `reserve`
 * and `release` jobs and waits for their return values through one shared QueueEvents subscriber,
 * open while calls wait.
 */
export class CouponClient {
  private readonly queues: Queue[];
  private readonly cluster: Cluster | undefined;
  private readonly waitReplicas: number;
  private readonly waitTimeoutMs: number;
  private readonly waiter = new JobWaiter();
  private readonly relay: QueueEventsRelay;
  private readonly timeoutMs: number;
  private readonly jobOptions: JobsOptions;
  private closed = false;

  constructor(options: CouponClientOptions) {
    if (!options.connection === !options.clusterNodes) {
      throw new TypeError('CouponClient needs `connection` (a single Redis) or `clusterNodes`');
    }
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.waitReplicas = options.waitReplicas ?? 0;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 1000;
    this.jobOptions = redemptionJobOptions(
      options.idempotencyTtlHours ?? DEFAULT_IDEMPOTENCY_TTL_HOURS,
    );
    // On a cluster the queues share one cluster client (BullMQ leaves it open; close() quits it)
    // and QueueEvents duplicate it.
    this.cluster = options.clusterNodes
      ? new Cluster(parseClusterNodes(options.clusterNodes), options.clusterOptions)
      : undefined;
    this.cluster?.on('error', () => {});
    const connection = this.cluster ?? options.connection!;
    const prefix = this.cluster
      ? clusterQueuePrefix(options.prefix ?? 'bull')
      : (options.prefix ?? 'bull');
    this.queues = partitionPrefixes(prefix, options.partitions ?? 1).map((partitionPrefix) => {
      const queue = new Queue(REDEMPTION_QUEUE, { connection, prefix: partitionPrefix });
      // Connection trouble shows up as rejected calls (publish errors, timeouts); an 'error' event
      // without a listener would instead crash the order system's process.
      queue.on('error', () => {});
      return queue;
    });
    this.relay = new QueueEventsRelay({
      connection,
      idleMs: options.subscriberIdleMs ?? 60_000,
      onEnd: (queue, jobId, end) => this.waiter.settle(queue, jobId, end),
      onError: () => {},
    });
    this.waiter.listenThrough(this.relay);
  }

  /**
   * Redeems the coupon for an order. The job id comes from (couponCode, orderId), so calling
   * again for the same order – concurrently or after a crash – counts one use and answers with
   * the same outcome. A failed earlier job of the order is replaced (as in POST /redemptions).
   * While the order is held (`reserve`) for this user and code, the redeem confirms the hold: it
   * is accepted, the held use counted once, with `hold: 'confirmed'` in the outcome.
   */
  async redeem(request: RedeemRequest): Promise<RedemptionOutcome> {
    const data = validRequest('redeem', request);
    const publish = (jobId: string) =>
      this.publishAndWait<RedemptionOutcome>(jobId, (queue) =>
        addUnlessAnswered(queue, JobName.Redeem, data, { ...this.jobOptions, jobId }),
      );
    const jobId = redemptionJobId(data.couponCode, data.orderId);
    const outcome = await publish(jobId);
    // The order's job is another user's: decided under a job of its own (ORDER_CONFLICT).
    return outcome.userId === data.userId ? outcome : publish(ownRedemptionJobId(jobId));
  }

  /** Gives back the use an accepted redemption of this order counted. Idempotent in the store. */
  async rollback(request: RollbackRequest): Promise<RollbackOutcome> {
    const data = validRequest('rollback', request);
    const jobId = rollbackJobId(data.couponCode, data.orderId, randomUUID());
    return this.publishAndWait<RollbackOutcome>(jobId, async (queue) => {
      await queue.add(JobName.Rollback, data, { ...this.jobOptions, jobId });
    });
  }

  /**
   * Holds one use of the coupon for the order until `expiresAt` (ttlSeconds, default the service's
   * HOLD_TTL_SECONDS): decided as a redemption is, with the same reasons. Reserving a held order
   * again answers its hold (the same expiresAt). Each call is a job of its own
   * (reservationJobId): a finished job never answers for a hold released or expired since.
   */
  async reserve(request: ReserveRequest): Promise<ReservationOutcome> {
    const data = validRequest('reserve', request);
    const jobId = reservationJobId(data.couponCode, data.orderId, randomUUID());
    return this.publishAndWait<ReservationOutcome>(jobId, async (queue) => {
      await queue.add(JobName.Reserve, data, { ...this.jobOptions, jobId });
    });
  }

  /**
   * Frees the order's live hold (the customer abandoned the checkout); `rejected` with
   * RESERVATION_NOT_FOUND when this user has no live hold of the order under this code.
   */
  async release(request: ReleaseRequest): Promise<ReleaseOutcome> {
    const data = validRequest('release', request);
    const jobId = releaseJobId(data.couponCode, data.orderId, randomUUID());
    return this.publishAndWait<ReleaseOutcome>(jobId, async (queue) => {
      await queue.add(JobName.Release, data, { ...this.jobOptions, jobId });
    });
  }

  /** Rejects the calls still waiting, then closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiter.close();
    await Promise.all([this.relay.close(), ...this.queues.map((queue) => queue.close())]);
    await this.cluster?.quit().catch(() => this.cluster?.disconnect());
  }

  private async publishAndWait<T>(
    jobId: string,
    publish: (queue: Queue) => Promise<JobStatus<T> | void>,
  ): Promise<T> {
    if (this.closed) throw new Error('CouponClient is closed');
    const queue = await queueHolding(
      this.queues,
      this.queues[partitionOf(jobId, this.queues.length)]!,
      jobId,
    );
    const settlement = await this.waiter.publishAndWait<T>(
      queue,
      jobId,
      this.timeoutMs,
      async () => {
        const status = await publish(queue);
        await awaitQueueReplicas(queue, this.waitReplicas, this.waitTimeoutMs);
        return status;
      },
    );
    switch (settlement.kind) {
      case 'completed':
        return settlement.value;
      case 'failed':
        throw new CouponJobFailedError(jobId, settlement.error);
      case 'pending':
        throw this.closed
          ? new Error('CouponClient closed while waiting for a job')
          : new CouponClientTimeoutError(jobId, this.timeoutMs);
    }
  }
}

/**
 * Checks the fields locally, as the worker would, so a bad request throws before anything is
 * published, and copies only the contract's fields into the job data.
 */
function validRequest<T extends RedeemRequest | RollbackRequest | ReserveRequest>(
  operation: string,
  request: T,
): T {
  const fields = ['couponCode', 'userId', 'orderId'] as const;
  const given = (request ?? {}) as Partial<Record<(typeof fields)[number] | 'ttlSeconds', unknown>>;
  const problems = fields.flatMap((field) => {
    const value = given[field];
    // Counted in code points, as the worker's validation counts them.
    const valid =
      typeof value === 'string' && value.length > 0 && [...value].length <= MAX_FIELD_LENGTH;
    if (!valid) return [`${field} must be a string of 1-${MAX_FIELD_LENGTH} characters`];
    // A lone surrogate cannot go into a job id (encodeURIComponent throws) nor pass the worker.
    return value.isWellFormed() ? [] : [`${field} must be well-formed Unicode text`];
  });
  const { ttlSeconds } = given;
  const ttlGiven = operation === 'reserve' && ttlSeconds !== undefined;
  if (
    ttlGiven &&
    !(
      Number.isInteger(ttlSeconds) &&
      (ttlSeconds as number) >= MIN_HOLD_TTL_SECONDS &&
      (ttlSeconds as number) <= MAX_HOLD_TTL_SECONDS
    )
  ) {
    problems.push(
      `ttlSeconds must be a whole number of seconds from ${MIN_HOLD_TTL_SECONDS} to ${MAX_HOLD_TTL_SECONDS}`,
    );
  }
  if (problems.length > 0) {
    throw new TypeError(`Invalid ${operation} request: ${problems.join('; ')}`);
  }
  return {
    couponCode: given.couponCode,
    userId: given.userId,
    orderId: given.orderId,
    ...(ttlGiven && { ttlSeconds }),
  } as T;
}
