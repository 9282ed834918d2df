import { Queue, QueueEvents, type JobsOptions, type RedisOptions } from 'bullmq';
import { randomUUID } from 'node:crypto';
import {
  JobName,
  REDEMPTION_QUEUE,
  redemptionJobId,
  rollbackJobId,
  type JobData,
  type RedemptionOutcome,
  type RollbackOutcome,
} from '../redemptions/redemption.contract.js';

export interface CouponClientOptions {
  /** `{ url: 'redis://…' }` or ioredis options; the client opens its own connections. */
  connection: RedisOptions;
  /** The BullMQ queue prefix the service runs with (its QUEUE_PREFIX). Default 'bull'. */
  prefix?: string;
  /** How long a call waits for the job's end. Default 5000. */
  timeoutMs?: number;
}

export interface RedeemRequest {
  couponCode: string;
  userId: string;
  /** Required here: the order makes a retried publish count once. */
  orderId: string;
}

export type RollbackRequest = JobData[JobName.Rollback];

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
 * The options the service's REST API publishes with: attempts and backoff ride out a worker
 * crash; finished jobs are kept so that a retried publish of an order finds its decision.
 */
export const CLIENT_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 200 },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

const MAX_FIELD_LENGTH = 128;

type End = { kind: 'completed'; value: unknown } | { kind: 'failed'; reason: string };
type Settle = (end: End | { kind: 'timeout' } | { kind: 'error'; error: unknown }) => void;

/**
 * A typed producer for the `coupon-redemptions` queue: publishes `redeem` and `rollback` jobs and
 * waits for their return values through one shared QueueEvents subscriber.
 */
export class CouponClient {
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly timeoutMs: number;
  private readonly waiting = new Map<string, Set<Settle>>();
  private ready: Promise<void> | undefined;
  private closed = false;

  constructor(options: CouponClientOptions) {
    const prefix = options.prefix ?? 'bull';
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.queue = new Queue(REDEMPTION_QUEUE, { connection: options.connection, prefix });
    this.events = new QueueEvents(REDEMPTION_QUEUE, { connection: options.connection, prefix });
    // Connection trouble shows up as rejected calls (publish errors, timeouts); an 'error' event
    // without a listener would instead crash the order system's process.
    this.queue.on('error', () => {});
    this.events.on('error', () => {});
    this.events.on('completed', ({ jobId, returnvalue }) =>
      this.finish(jobId, { kind: 'completed', value: returnvalue }),
    );
    // QueueEvents reports 'failed' only once a job has no attempts left, never for a retry.
    this.events.on('failed', ({ jobId, failedReason }) =>
      this.finish(jobId, { kind: 'failed', reason: failedReason }),
    );
  }

  /**
   * Redeems the coupon for an order. The job id comes from (couponCode, orderId), so calling
   * again for the same order – concurrently or after a crash – counts one use and answers with
   * the same outcome.
   */
  async redeem(request: RedeemRequest): Promise<RedemptionOutcome> {
    const data = validRequest('redeem', request);
    const jobId = redemptionJobId(data.couponCode, data.orderId);
    return this.publishAndWait<RedemptionOutcome>(jobId, async () => {
      await this.queue.add(JobName.Redeem, data, { ...CLIENT_JOB_OPTIONS, jobId });
      const earlier = await this.end(jobId);
      if (earlier?.kind !== 'failed') return earlier;
      // A failed job is no decision and must not stand for the order (as in POST /redemptions).
      await this.queue.remove(jobId);
      await this.queue.add(JobName.Redeem, data, { ...CLIENT_JOB_OPTIONS, jobId });
      return this.end(jobId);
    });
  }

  /** Gives back the use an accepted redemption of this order counted. Idempotent in the store. */
  async rollback(request: RollbackRequest): Promise<RollbackOutcome> {
    const data = validRequest('rollback', request);
    const jobId = rollbackJobId(data.couponCode, data.orderId, randomUUID());
    return this.publishAndWait<RollbackOutcome>(jobId, async () => {
      await this.queue.add(JobName.Rollback, data, { ...CLIENT_JOB_OPTIONS, jobId });
      return undefined;
    });
  }

  /** Rejects the calls still waiting, then closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const settles of [...this.waiting.values()]) {
      for (const settle of [...settles]) {
        settle({ kind: 'error', error: new Error('CouponClient closed while waiting for a job') });
      }
    }
    await Promise.all([this.events.close(), this.queue.close()]);
  }

  /**
   * Subscribes before publishing, so no end is missed; `publish` returns the end when the job had
   * already finished (an earlier publish of the same id, or a very fast worker).
   */
  private async publishAndWait<T>(
    jobId: string,
    publish: () => Promise<End | undefined>,
  ): Promise<T> {
    if (this.closed) throw new Error('CouponClient is closed');
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const settle: Settle = (end) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const settles = this.waiting.get(jobId);
        settles?.delete(settle);
        if (settles?.size === 0) this.waiting.delete(jobId);
        if (end.kind === 'completed') resolve(end.value as T);
        else if (end.kind === 'failed') reject(new CouponJobFailedError(jobId, end.reason));
        else if (end.kind === 'timeout')
          reject(new CouponClientTimeoutError(jobId, this.timeoutMs));
        else reject(end.error);
      };
      // The timer starts before anything touches Redis, so an unreachable Redis times out too.
      const timer = setTimeout(() => {
        // A last look, as the subscriber's stream read can start a moment after it reports
        // ready; capped, so that it cannot hang while Redis is away.
        let capTimer: NodeJS.Timeout | undefined;
        const cap = new Promise<undefined>((resolveCap) => {
          capTimer = setTimeout(() => resolveCap(undefined), Math.min(1000, this.timeoutMs));
        });
        Promise.race([this.end(jobId), cap])
          .then(
            (end) => settle(end ?? { kind: 'timeout' }),
            () => settle({ kind: 'timeout' }),
          )
          .finally(() => clearTimeout(capTimer));
      }, this.timeoutMs);
      const settles = this.waiting.get(jobId) ?? new Set<Settle>();
      settles.add(settle);
      this.waiting.set(jobId, settles);
      // Events published before the subscriber's connection is up are never delivered to it.
      this.ready ??= this.events.waitUntilReady().then(() => undefined);
      this.ready.then(publish).then(
        (end) => {
          if (end) settle(end);
        },
        (error: unknown) => settle({ kind: 'error', error }),
      );
    });
  }

  private finish(jobId: string, end: End): void {
    for (const settle of [...(this.waiting.get(jobId) ?? [])]) settle(end);
  }

  /** The job's end if it has finished, else undefined. */
  private async end(jobId: string): Promise<End | undefined> {
    // State first: a job read before it finished would lack the return value its state promises.
    const state = await this.queue.getJobState(jobId);
    if (state !== 'completed' && state !== 'failed') return undefined;
    const job = await this.queue.getJob(jobId);
    if (!job) return undefined; // removed in between
    return state === 'completed'
      ? { kind: 'completed', value: job.returnvalue }
      : { kind: 'failed', reason: job.failedReason };
  }
}

/**
 * Checks the fields locally, as the worker would, so a bad request throws before anything is
 * published, and copies only the contract's fields into the job data.
 */
function validRequest<T extends RedeemRequest | RollbackRequest>(operation: string, request: T): T {
  const fields = ['couponCode', 'userId', 'orderId'] as const;
  const given = (request ?? {}) as Partial<Record<(typeof fields)[number], unknown>>;
  const problems = fields.flatMap((field) => {
    const value = given[field];
    // Counted in code points, as the worker's validation counts them.
    const valid =
      typeof value === 'string' && value.length > 0 && [...value].length <= MAX_FIELD_LENGTH;
    return valid ? [] : [`${field} must be a string of 1-${MAX_FIELD_LENGTH} characters`];
  });
  if (problems.length > 0) {
    throw new TypeError(`Invalid ${operation} request: ${problems.join('; ')}`);
  }
  return { couponCode: given.couponCode, userId: given.userId, orderId: given.orderId } as T;
}
