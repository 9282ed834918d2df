import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Job, type Queue } from 'bullmq';

export type Settlement<T> =
  { kind: 'completed'; value: T } | { kind: 'failed'; error: string } | { kind: 'pending' };

interface Waiting {
  settle: (settlement: Settlement<unknown>) => void;
  timer: NodeJS.Timeout;
}

/**
 * Lets an HTTP request wait for a job it published. The workers in this process report each
 * finished job here, so waiting costs no QueueEvents subscriber.
 */
@Injectable()
export class JobWaiter implements OnApplicationShutdown {
  private readonly waiting = new Map<string, Waiting[]>();

  /**
   * Runs `publish`, which adds the job, and settles with the job's end, or 'pending' once
   * `timeoutMs` passes. The wait starts before publishing, so no end is missed; if publishing
   * throws, the wait is dropped and the error passed on.
   */
  async publishAndWait<T>(
    queue: string,
    jobId: string,
    timeoutMs: number,
    publish: () => Promise<void>,
  ): Promise<Settlement<T>> {
    const key = `${queue}/${jobId}`;
    let entry!: Waiting;
    const settled = new Promise<Settlement<T>>((resolve) => {
      entry = {
        settle: resolve as (settlement: Settlement<unknown>) => void,
        timer: setTimeout(() => this.settleOne(key, entry, { kind: 'pending' }), timeoutMs),
      };
      this.waiting.set(key, [...(this.waiting.get(key) ?? []), entry]);
    });
    try {
      await publish();
    } catch (error) {
      this.settleOne(key, entry, { kind: 'pending' });
      throw error;
    }
    return settled;
  }

  settle<T>(queue: string, jobId: string, settlement: Settlement<T>): void {
    const key = `${queue}/${jobId}`;
    for (const entry of this.waiting.get(key) ?? []) this.settleOne(key, entry, settlement);
  }

  private settleOne(key: string, entry: Waiting, settlement: Settlement<unknown>): void {
    clearTimeout(entry.timer);
    const rest = (this.waiting.get(key) ?? []).filter((other) => other !== entry);
    if (rest.length > 0) this.waiting.set(key, rest);
    else this.waiting.delete(key);
    entry.settle(settlement);
  }

  onApplicationShutdown(): void {
    for (const [key, entries] of this.waiting) {
      for (const entry of entries) this.settleOne(key, entry, { kind: 'pending' });
    }
  }
}

export type JobStatus<T> = Settlement<T> | { kind: 'unknown' };

/** Where a job stands now, with its return value or failure once it has finished. */
export async function jobStatus<T>(queue: Queue, jobId: string): Promise<JobStatus<T>> {
  // State first: a job read before it finished would lack the return value its state promises.
  const state = await queue.getJobState(jobId);
  if (state === 'unknown') return { kind: 'unknown' };
  if (state !== 'completed' && state !== 'failed') return { kind: 'pending' };
  const job: Job | undefined = await Job.fromId(queue, jobId);
  if (!job) return { kind: 'unknown' }; // removed in between
  return state === 'completed'
    ? { kind: 'completed', value: job.returnvalue as T }
    : { kind: 'failed', error: job.failedReason };
}
