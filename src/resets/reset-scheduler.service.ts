import { InjectQueue } from '@nestjs/bullmq';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { RESET_JOB_OPTIONS } from '../jobs/job.options.js';
import type { Settlement } from '../jobs/job.status.js';
import { JobWaiter } from '../jobs/job.waiter.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { Window } from '../store/usage.ledger.js';
import { RESET_QUEUE, RESET_SCHEDULES, ResetJobName, type ResetResult } from './reset.contract.js';

/** How long POST /admin/resets/* waits for its job. */
const MANUAL_RESET_WAIT_MS = 30_000;

/** How often a process checks that the schedulers still exist, unless the config sets it. */
const SCHEDULER_CHECK_MS = 60_000;

@Injectable()
export class ResetSchedulerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Resets');
  private watch: NodeJS.Timeout | undefined;
  private checks = 0;

  constructor(
    @InjectQueue(RESET_QUEUE) private readonly queue: Queue,
    private readonly waiter: JobWaiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.upsertSchedulers();
    this.logger.log(
      `Reset schedulers: daily at 00:00 and weekly on Monday 00:00, ${this.config.couponTz}`,
    );
    // Redis that lost its data (a restart without persistence, FLUSHALL) has lost the schedulers
    // too: without this they would stay gone until a process restarts.
    this.watch = setInterval(
      () => void this.restoreMissing(),
      this.config.resetSchedulerCheckMs ?? SCHEDULER_CHECK_MS,
    );
    this.watch.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.watch);
  }

  /** One read per check, the schedulers in turn; a missing one brings both back. */
  private async restoreMissing(): Promise<void> {
    const schedule = RESET_SCHEDULES[this.checks++ % RESET_SCHEDULES.length]!;
    try {
      if (await this.queue.getJobScheduler(schedule.id)) return;
      this.logger.warn(`Reset scheduler ${schedule.id} is missing; creating the schedulers again`);
      await this.upsertSchedulers();
    } catch (error) {
      // Redis away: the next check tries again.
      this.logger.warn(`Could not check the reset schedulers: ${(error as Error).message}`);
    }
  }

  private async upsertSchedulers(): Promise<void> {
    const tz = this.config.couponTz;
    for (const schedule of RESET_SCHEDULES) {
      // Upserting replaces the scheduler's pending job, which may be a reset that came due while
      // no worker ran; leave an unchanged scheduler alone so that reset still runs.
      const current = await this.queue.getJobScheduler(schedule.id);
      if (
        current?.pattern === schedule.pattern &&
        current.tz === tz &&
        current.name === schedule.jobName
      ) {
        continue;
      }
      await this.queue.upsertJobScheduler(
        schedule.id,
        { pattern: schedule.pattern, tz },
        { name: schedule.jobName, data: {}, opts: RESET_JOB_OPTIONS },
      );
    }
  }

  /** Runs a reset now through the queue, like the scheduler's, and waits for its result. */
  async runNow(window: Window): Promise<{ jobId: string; settlement: Settlement<ResetResult> }> {
    const name = window === 'daily' ? ResetJobName.Daily : ResetJobName.Weekly;
    const jobId = `manual-${name}-${randomUUID()}`;
    const settlement = await this.waiter.publishAndWait<ResetResult>(
      this.queue,
      jobId,
      MANUAL_RESET_WAIT_MS,
      async () => {
        await this.queue.add(name, { trigger: 'manual' }, { ...RESET_JOB_OPTIONS, jobId });
      },
    );
    return { jobId, settlement };
  }
}
