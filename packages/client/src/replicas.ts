import type { Queue } from 'bullmq';

/** A write that not enough replicas acknowledged in time: it could be lost in a failover. */
export class NotReplicatedError extends Error {
  override readonly name = 'NotReplicatedError';
}

/**
 * Waits until `replicas` replicas hold every write this process made so far on the queue's node
 * (WAIT, sent down the same connection as the writes, behind a read of one of the queue's keys
 * so that a cluster client routes it to that node). Throws NotReplicatedError after `timeoutMs`.
 */
export async function awaitQueueReplicas(
  queue: Queue,
  replicas: number,
  timeoutMs: number,
): Promise<void> {
  if (replicas <= 0) return;
  const client = await queue.backend.client;
  const replies = await client
    .pipeline()
    .llen(queue.keys.wait!)
    .runCommand('wait', [replicas, timeoutMs])
    .exec();
  const [error, acknowledged] = replies?.[1] ?? [new Error('no reply to WAIT')];
  if (error) throw error;
  if ((acknowledged as number) < replicas) {
    throw new NotReplicatedError(
      `${acknowledged as number} of ${replicas} replicas acknowledged the publish within ${timeoutMs} ms`,
    );
  }
}
