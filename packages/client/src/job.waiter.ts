/**
 * Waiting for the end of a job one publishes, the way BullMQ's job.waitUntilFinished does it:
 * subscribe first, then publish, then look once (atomically) whether the job has already ended.
 * An end that comes later arrives through a subscription: the worker in this process (its
 * completion, no Redis read at all) or a QueueEventsRelay. Plain TypeScript: the typed client
 * and the REST API share it.
 */
import type { Queue } from 'bullmq';
import { jobStatus, type JobEnd, type JobStatus, type Settlement } from './job.status.js';

/** Where ends of jobs finished by other processes come from; returns an unsubscribe. */
export interface JobEndSource {
  subscribe(queue: Queue): Promise<() => void>;
}

interface Waiting {
  done: boolean;
  /** Whether `publish` has returned: an end heard before may be an earlier job's under the id. */
  published: boolean;
  /** An end was heard before `publish` returned: the job's status is read afresh after it. */
  heardEarly: boolean;
  resolve: (settlement: Settlement<unknown>) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
  release?: () => void;
}

export class JobWaiter {
  private readonly waiting = new Map<string, Set<Waiting>>();
  private source: JobEndSource | undefined;

  /** Also hear ends through `source` (jobs other processes' workers finish). */
  listenThrough(source: JobEndSource): void {
    this.source = source;
  }

  /**
   * Runs `publish`, which adds the job, and settles with the job's end, or 'pending' once
   * `timeoutMs` passes (timed from the call, so a Redis that does not answer times out too). The
   * wait and the subscription start before publishing, so no end is missed; after publishing,
   * the job's status (from `publish` when it read one, else read here) settles a job that had
   * already ended. If subscribing or publishing throws before the wait settled, the wait is dropped
   * and the error passed on; once it has settled, nothing more is published.
   */
  async publishAndWait<T>(
    queue: Queue,
    jobId: string,
    timeoutMs: number,
    publish: () => Promise<JobStatus<T> | void>,
  ): Promise<Settlement<T>> {
    const key = keyOf(queue.qualifiedName, jobId);
    let entry!: Waiting;
    const settled = new Promise<Settlement<T>>((resolve, reject) => {
      entry = {
        done: false,
        published: false,
        heardEarly: false,
        resolve: resolve as (settlement: Settlement<unknown>) => void,
        reject,
        timer: setTimeout(() => this.settleOne(key, entry, { kind: 'pending' }), timeoutMs),
      };
    });
    const entries = this.waiting.get(key) ?? new Set<Waiting>();
    entries.add(entry);
    this.waiting.set(key, entries);
    // Not awaited: the timeout settles the wait even while Redis does not answer.
    void (async () => {
      if (this.source) {
        const release = await this.source.subscribe(queue);
        if (entry.done) release();
        else entry.release = release;
      }
      if (entry.done) return;
      let status = await publish();
      entry.published = true;
      if (!status || (entry.heardEarly && !isEnd(status)))
        status = await jobStatus<T>(queue, jobId);
      if (isEnd(status)) this.settleOne(key, entry, status);
    })().catch((error: unknown) => this.settleOne(key, entry, undefined, error));
    return settled;
  }

  /**
   * A job's end, from this process's worker or a subscription: settles everyone waiting for it.
   * A wait whose job is still being published only notes it: the end may be late news of an
   * earlier job under the same id (one that failed, about to be replaced), so it reads the job's
   * status once its own job is in place.
   */
  settle(queue: string, jobId: string, end: JobEnd<unknown>): void {
    // `queue` is the qualified name (prefix:name), as Queue.qualifiedName and Job.queueQualifiedName.
    const key = keyOf(queue, jobId);
    for (const entry of [...(this.waiting.get(key) ?? [])]) {
      if (entry.published) this.settleOne(key, entry, end);
      else entry.heardEarly = true;
    }
  }

  /** Settles every wait with 'pending' (shutting down). */
  close(): void {
    for (const [key, entries] of [...this.waiting]) {
      for (const entry of [...entries]) this.settleOne(key, entry, { kind: 'pending' });
    }
  }

  /** Ends one wait, with `settlement`, or with `error` (subscribing or publishing failed). */
  private settleOne(
    key: string,
    entry: Waiting,
    settlement: Settlement<unknown> | undefined,
    error?: unknown,
  ): void {
    if (entry.done) return;
    entry.done = true;
    clearTimeout(entry.timer);
    const entries = this.waiting.get(key);
    entries?.delete(entry);
    if (entries?.size === 0) this.waiting.delete(key);
    entry.release?.();
    if (settlement) entry.resolve(settlement);
    else entry.reject(error);
  }
}

const keyOf = (queue: string, jobId: string) => `${queue}/${jobId}`;

const isEnd = <T>(status: JobStatus<T>): status is JobEnd<T> =>
  status.kind === 'completed' || status.kind === 'failed';
