import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SystemClock } from '../clock/clock.js';
import type { RedemptionOutcome } from '../domain/outcome.js';
import { partitionLabel, RedemptionQueues } from '../jobs/redemption-queues.js';
import type { RollbackOutcome } from '../redemptions/redemption.contract.js';
import { RESET_QUEUE } from '../resets/reset.contract.js';
import { UsageLedger, type Window } from '../store/usage.ledger.js';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;
const QUEUE_READ_TIMEOUT_MS = 1000;

/** `promise`, or a rejection once `ms` have passed without it settling. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The service's Prometheus metrics, in a registry of its own (one per app, so tests can run several). */
@Injectable()
export class MetricsService {
  private readonly registry = new Registry();

  private readonly redemptions = new Counter({
    name: 'redemptions_total',
    help: 'Redemption decisions by status and rejection reason (reason "none" when accepted).',
    labelNames: ['status', 'reason'] as const,
    registers: [this.registry],
  });

  private readonly processing = new Histogram({
    name: 'redemption_processing_seconds',
    help: 'Time the worker spent deciding one redeem job.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  private readonly latency = new Histogram({
    name: 'redemption_decision_latency_seconds',
    help: 'Time from a redeem job being added to the queue to its decision.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  private readonly holds = new Counter({
    name: 'coupon_holds_total',
    help: 'Checkout holds by status: reserved, rejected (a reserve refused), confirmed, released, not-found (a release of no live hold), expired (found expired by this process).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  private readonly rollbacks = new Counter({
    name: 'redemption_rollbacks_total',
    help: 'Rollbacks by status (rolled-back, already-rolled-back, rejected).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  private readonly resets = new Counter({
    name: 'counter_resets_total',
    help: 'Reset jobs run, by period (daily or weekly).',
    labelNames: ['period'] as const,
    registers: [this.registry],
  });

  private readonly queueJobs = new Gauge({
    name: 'queue_jobs',
    help: 'Jobs in each queue by state, read when scraped; no samples for a queue whose counts could not be read.',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  private readonly queueAvailable = new Gauge({
    name: 'queue_metrics_available',
    help: `1 when the queue's job counts were read at this scrape, 0 when Redis did not answer within ${QUEUE_READ_TIMEOUT_MS} ms.`,
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  /** Each queue by its label: the redemption queue's partitions, then the reset queue. */
  private readonly queues: [string, Queue][];

  constructor(
    redemptionQueues: RedemptionQueues,
    @InjectQueue(RESET_QUEUE) resetQueue: Queue,
    ledger: UsageLedger,
  ) {
    this.queues = [
      ...redemptionQueues.all.map((queue, partition): [string, Queue] => [
        partitionLabel(partition),
        queue,
      ]),
      [RESET_QUEUE, resetQueue],
    ];
    collectDefaultMetrics({ register: this.registry });
    // Expiries are found inside the store's steps; this process's count is read at each scrape.
    let expiredSeen = 0;
    this.holds.inc({ status: 'expired' }, 0);
    this.collectExpired = () => {
      this.holds.inc({ status: 'expired' }, ledger.expiredHolds - expiredSeen);
      expiredSeen = ledger.expiredHolds;
    };
    if (ledger.keptOutcomes()) {
      new Gauge({
        name: 'store_outcomes_kept',
        help: 'Outcomes the memory store keeps for replay (at most MEMORY_STORE_MAX_OUTCOMES).',
        registers: [this.registry],
        collect() {
          this.set(ledger.keptOutcomes()!.kept);
        },
      });
      new Counter({
        name: 'store_outcomes_evicted_total',
        help: 'Outcomes the memory store evicted, oldest first, to stay within MEMORY_STORE_MAX_OUTCOMES.',
        registers: [this.registry],
        collect() {
          this.reset();
          this.inc(ledger.keptOutcomes()!.evicted);
        },
      });
    }
  }

  /** Every metric in Prometheus text format, with the queue counts read now. */
  async scrape(): Promise<string> {
    this.collectExpired();
    await Promise.all(this.queues.map(([label, queue]) => this.readQueue(label, queue)));
    return this.registry.metrics();
  }

  // A Redis that is down or hung must not take the process metrics with it: the queue connection
  // fails fast while disconnected (no offline queue), and the timeout covers one that hangs.
  private async readQueue(label: string, queue: Queue): Promise<void> {
    try {
      const counts = await within(QUEUE_READ_TIMEOUT_MS, queue.getJobCounts(...JOB_STATES));
      for (const state of JOB_STATES) {
        this.queueJobs.set({ queue: label, state }, counts[state] ?? 0);
      }
      this.queueAvailable.set({ queue: label }, 1);
    } catch {
      for (const state of JOB_STATES) this.queueJobs.remove({ queue: label, state });
      this.queueAvailable.set({ queue: label }, 0);
    }
  }

  /** Latency is wall time against BullMQ's own job timestamps, never the injectable business clock. */
  private readonly wallClock = new SystemClock();

  recordDecision(job: Job, outcome: RedemptionOutcome, processingSeconds: number): void {
    this.redemptions.inc({ status: outcome.status, reason: outcome.reason ?? 'none' });
    this.processing.observe(processingSeconds);
    this.latency.observe(Math.max(0, this.wallClock.now() - job.timestamp) / 1000);
  }

  /** A refusal made without a job (a REST client at its guess limit). */
  recordRefusal(outcome: RedemptionOutcome): void {
    this.redemptions.inc({ status: outcome.status, reason: outcome.reason ?? 'none' });
  }

  recordHold(status: 'reserved' | 'rejected' | 'confirmed' | 'released' | 'not-found'): void {
    this.holds.inc({ status });
  }

  private readonly collectExpired: () => void;

  recordRollback(outcome: RollbackOutcome): void {
    this.rollbacks.inc({ status: outcome.status });
  }

  recordReset(window: Window): void {
    this.resets.inc({ period: window });
  }
}
