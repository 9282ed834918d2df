/**
 * Hears the ends of jobs that other processes' workers finish, through BullMQ's QueueEvents, and
 * passes them on. A QueueEvents subscriber reads every event of its queue, return values included,
 * so it is opened only while someone waits for a job, and closed once nobody has waited for
 * `idleMs`: a process nobody waits on reads no events. Plain TypeScript: the typed client and
 * the REST API share it.
 */
import { QueueEvents, type ConnectionOptions, type Queue } from 'bullmq';
import { jobStatus, type JobEnd } from './job.status.js';
import type { JobEndSource } from './job.waiter.js';

export interface QueueEventsRelayOptions {
  /** The QueueEvents' own connection (it blocks on reads). */
  connection: ConnectionOptions;
  /** How long a subscriber stays open after its last waiter. */
  idleMs: number;
  /** `queue` is the queue's qualified name (prefix:name): partitions share a name. */
  onEnd: (queue: string, jobId: string, end: JobEnd<unknown>) => void;
  /** Connection trouble; without a listener an 'error' event would crash the process. */
  onError?: (error: Error) => void;
}

/** The id of the newest entry of a stream (KEYS[1]), or '0-0' when it has none. */
const NEWEST_EVENT_ID = 'couponNewestEventId';
const NEWEST_EVENT_ID_LUA = `
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if newest then return newest[1] end
return '0-0'`;

interface Subscription {
  ready: Promise<void>;
  events?: QueueEvents;
  users: number;
  idle?: NodeJS.Timeout;
}

export class QueueEventsRelay implements JobEndSource {
  private readonly subscriptions = new Map<string, Subscription>();
  private closed = false;

  constructor(private readonly options: QueueEventsRelayOptions) {}

  /**
   * Resolves once every end of a job of `queue` from now on will be heard, with a function to
   * call when no longer interested.
   */
  async subscribe(queue: Queue): Promise<() => void> {
    if (this.closed) throw new Error('QueueEventsRelay is closed');
    let subscription = this.subscriptions.get(queue.qualifiedName);
    if (!subscription) {
      subscription = this.open(queue);
      this.subscriptions.set(queue.qualifiedName, subscription);
    }
    const current = subscription;
    current.users++;
    clearTimeout(current.idle);
    current.idle = undefined;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (--current.users > 0 || this.closed) return;
      current.idle = setTimeout(
        () => void this.shut(queue.qualifiedName, current),
        this.options.idleMs,
      );
      current.idle.unref();
    };
    try {
      await current.ready;
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  /** Whether a subscriber of `queue` (its qualified name) is open (or opening) now. */
  isSubscribed(queue: string): boolean {
    return this.subscriptions.has(queue);
  }

  async close(): Promise<void> {
    this.closed = true;
    const subscriptions = [...this.subscriptions.values()];
    this.subscriptions.clear();
    await Promise.all(
      subscriptions.map(async (subscription) => {
        clearTimeout(subscription.idle);
        await subscription.events?.close();
      }),
    );
  }

  private open(queue: Queue): Subscription {
    const subscription: Subscription = { users: 0, ready: Promise.resolve() };
    subscription.ready = (async () => {
      // Start reading after the newest event in the stream now, rather than at whatever is newest
      // once the subscriber's first read reaches Redis: an end published in between is heard too.
      const client = await queue.backend.client;
      client.defineCommand(NEWEST_EVENT_ID, { numberOfKeys: 1, lua: NEWEST_EVENT_ID_LUA });
      const newest = (await client.runCommand(NEWEST_EVENT_ID, [queue.keys.events])) as string;
      if (this.closed) throw new Error('QueueEventsRelay is closed');
      const events = new QueueEvents(queue.name, {
        connection: this.options.connection,
        prefix: queue.opts.prefix,
        lastEventId: newest,
      });
      subscription.events = events;
      events.on('error', (error) => this.options.onError?.(error));
      events.on('completed', ({ jobId, returnvalue }) =>
        this.options.onEnd(queue.qualifiedName, jobId, { kind: 'completed', value: returnvalue }),
      );
      // QueueEvents reports 'failed' only once a job has no attempts left, never for a retry. The
      // event may be late news of an earlier job under the same id, failed and then replaced by a
      // new publish: only a job that is failed now ends a wait (failures are rare; this costs one
      // read each).
      events.on('failed', ({ jobId }) => {
        void jobStatus(queue, jobId).then(
          (status) =>
            status.kind === 'failed' && this.options.onEnd(queue.qualifiedName, jobId, status),
          (error: Error) => this.options.onError?.(error),
        );
      });
      await events.waitUntilReady();
    })();
    subscription.ready.catch(() => {
      // Not subscribed after all: the next waiter tries afresh.
      if (this.subscriptions.get(queue.qualifiedName) === subscription) {
        this.subscriptions.delete(queue.qualifiedName);
      }
      subscription.events?.close().catch(() => undefined);
    });
    return subscription;
  }

  private async shut(queue: string, subscription: Subscription): Promise<void> {
    if (subscription.users > 0 || this.subscriptions.get(queue) !== subscription) return;
    this.subscriptions.delete(queue);
    await subscription.events?.close().catch((error: Error) => this.options.onError?.(error));
  }
}
