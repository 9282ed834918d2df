/**
 * Cleanup without scanning the keyspace. A developer's Redis may hold millions of unrelated keys,
 * and SCAN MATCH visits all of them for every prefix, so tests instead remember every key their
 * own Redis clients name, and delete exactly those.
 *
 * How: every ioredis command of this test file's clients (the test's own, the app's store, BullMQ's
 * queues and workers; one module registry per test file, so one patched class) passes through
 * Redis.prototype.sendCommand, and ioredis knows which of its arguments are keys (EVALSHA included,
 * by numkeys). Our Lua scripts declare every key they write (the Redis Cluster rule), so the store's
 * keys are all seen. BullMQ's scripts also write keys they derive (job hashes and logs), which is why
 * each queue seen under a prefix is obliterated first. Keys written by other processes are not seen:
 * tests that run service processes give them a redis-server of their own.
 *
 * A Cluster client sends each command through one of its nodes' Redis connections (instances of
 * the same class), so keys named through a Cluster are recorded too; deleteKeysOnCluster removes
 * them, one key per command, each routed to its own slot.
 */
import { Queue } from 'bullmq';
import { Cluster, Redis } from 'ioredis';

const seen = new Map<string, Set<string>>(); // prefix (text before the first ':') -> keys
const IGNORED = new Set(['del', 'unlink']);

type Command = { name: string; getKeys(): (string | Buffer)[] };
const proto = Redis.prototype as unknown as {
  sendCommand: (command: Command, ...rest: unknown[]) => unknown;
  __keysRecorded?: boolean;
};
if (!proto.__keysRecorded) {
  proto.__keysRecorded = true;
  const send = proto.sendCommand;
  proto.sendCommand = function (this: unknown, command: Command, ...rest: unknown[]) {
    if (!IGNORED.has(command.name.toLowerCase())) {
      for (const raw of command.getKeys()) {
        const key = raw.toString();
        const colon = key.indexOf(':');
        if (colon <= 0) continue;
        const prefix = key.slice(0, colon);
        let keys = seen.get(prefix);
        if (!keys) seen.set(prefix, (keys = new Set()));
        keys.add(key);
      }
    }
    return send.call(this, command, ...rest);
  };
}

/** Keys under `prefix:` that this test file's clients have named so far (existing or not). */
export function keysSeen(prefix: string): string[] {
  return [...(seen.get(prefix) ?? [])].sort();
}

/** BullMQ marks each queue with `<prefix>:<queue>:meta` (and `:id`, `:events`). */
function queuesSeen(prefix: string): string[] {
  const names = new Set<string>();
  for (const key of seen.get(prefix) ?? []) {
    const match = /^[^:]+:([^:{}]+):(meta|id|events|wait|marker)$/.exec(key);
    if (match) names.add(match[1]);
  }
  return [...names];
}

/**
 * Deletes every key this test file named under each prefix: obliterates each BullMQ queue seen
 * there, then unlinks the keys seen (one key per command, so it works on a cluster too).
 */
export async function deleteKeysOf(url: string, ...prefixes: string[]): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  try {
    for (const prefix of prefixes) {
      for (const name of queuesSeen(prefix)) {
        const queue = new Queue(name, { connection: redis, prefix });
        try {
          await queue.obliterate({ force: true });
        } finally {
          await queue.close();
        }
      }
      const keys = keysSeen(prefix);
      seen.delete(prefix);
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = redis.pipeline();
        for (const key of keys.slice(i, i + 1000)) batch.unlink(key);
        await batch.exec();
      }
    }
  } finally {
    redis.disconnect();
  }
}

/** deleteKeysOf for keys written through a Redis Cluster client (seeds "host:port,..."). */
export async function deleteKeysOnCluster(
  seeds: { host: string; port: number }[],
  ...prefixes: string[]
): Promise<void> {
  const cluster = new Cluster(seeds, { redisOptions: { maxRetriesPerRequest: null } });
  try {
    for (const prefix of prefixes) {
      const keys = keysSeen(prefix);
      seen.delete(prefix);
      // No pipeline: a cluster refuses one whose keys span slots.
      for (let i = 0; i < keys.length; i += 1000) {
        await Promise.all(keys.slice(i, i + 1000).map((key) => cluster.unlink(key)));
      }
    }
  } finally {
    cluster.disconnect();
  }
}
