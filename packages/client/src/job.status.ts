/**
 * Where a job stands, and publishing a job that replaces a failed one. Plain TypeScript: the typed
 * client uses it as well as the REST API.
 */
import type { JobsOptions, Queue } from 'bullmq';

/** A finished job: its return value, or why it failed for good. */
export type JobEnd<T> = { kind: 'completed'; value: T } | { kind: 'failed'; error: string };
/** What a caller waiting for a job gets: its end, or 'pending' when it did not end in time. */
export type Settlement<T> = JobEnd<T> | { kind: 'pending' };
/** Where a job stands: 'unknown' when no job has the id (never added, or removed). */
export type JobStatus<T> = Settlement<T> | { kind: 'unknown' };

/**
 * Where a job stands now, with its return value or failure once it has finished: one atomic step
 * in Redis (BullMQ's isFinished script, which job.waitUntilFinished uses too), so a finished job is
 * never read without the value its state promises.
 */
export async function jobStatus<T>(queue: Queue, jobId: string): Promise<JobStatus<T>> {
  const [code, result] = (await queue.backend.isFinished(jobId, true)) as [number, string?];
  switch (code) {
    case 1:
      return { kind: 'completed', value: parseReturnValue(result) as T };
    case 2:
      return { kind: 'failed', error: result ?? '' };
    case 0:
      return { kind: 'pending' };
    default:
      return { kind: 'unknown' };
  }
}

/** As BullMQ reads a return value: JSON, or the raw string when it is not. */
function parseReturnValue(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/**
 * Adds a job under a fixed id. A job already under that id answers for it while it exists, except
 * a failed one (a failed job is no decision) or a completed one whose value `stillAnswers` refuses:
 * that job is removed and this one published anew. Returns the job's status after publishing.
 */
export async function addUnlessAnswered<T>(
  queue: Queue,
  name: string,
  data: object,
  opts: JobsOptions & { jobId: string },
  stillAnswers: (value: T) => Promise<boolean> = async () => true,
): Promise<JobStatus<T>> {
  await queue.add(name, data, opts);
  const status = await jobStatus<T>(queue, opts.jobId);
  if (status.kind === 'pending' || status.kind === 'unknown') return status;
  if (status.kind === 'completed' && (await stillAnswers(status.value))) return status;
  await queue.remove(opts.jobId);
  await queue.add(name, data, opts);
  return jobStatus<T>(queue, opts.jobId);
}

/**
 * The queue that holds a job with this id, `preferred` first, else `preferred`. With partitions a
 * producer that knows only the first one (or another partition count) may have published the
 * order elsewhere: a retry must find that job rather than add a second one, which could run after
 * a rollback of the first and count the cancelled order again.
 */
export async function queueHolding(
  queues: Queue[],
  preferred: Queue,
  jobId: string,
): Promise<Queue> {
  if (queues.length <= 1) return preferred;
  const others = queues.filter((queue) => queue !== preferred);
  const states = await Promise.all([preferred, ...others].map((queue) => queue.getJobState(jobId)));
  const index = states.findIndex((state) => state !== 'unknown');
  return index <= 0 ? preferred : others[index - 1]!;
}
