/**
 * Where the redemption queue's jobs go on a Redis Cluster. One BullMQ queue lives in one slot (its
 * prefix's hash tag), so intake past one shard takes several queues: partitions. Partition 0 is
 * the queue under the service's QUEUE_PREFIX; partition i has a prefix whose hash tag is chosen to
 * fall in another i-th of the slot space, so with masters owning equal slot ranges (as
 * `redis-cli --cluster create` makes them) N partitions land on N different masters. Producers and
 * the service compute the same prefixes from (QUEUE_PREFIX, QUEUE_PARTITIONS).
 */
const SLOTS = 16384;

/**
 * The slot Redis Cluster gives a hash tag: CRC16-XMODEM mod 16384 (the cluster spec). Written
 * here rather than taken from ioredis's untyped CommonJS helper, which the client's two builds
 * would each have to import differently.
 */
export function hashSlot(tag: string): number {
  let crc = 0;
  for (const byte of Buffer.from(tag)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % SLOTS;
}

/** The hash tag's parts, as Redis Cluster reads it: the first `{...}` with something inside. */
function hashTag(prefix: string): { before: string; tag: string; after: string } | undefined {
  const open = prefix.indexOf('{');
  const close = open < 0 ? -1 : prefix.indexOf('}', open + 1);
  if (close <= open + 1) return undefined;
  return {
    before: prefix.slice(0, open),
    tag: prefix.slice(open + 1, close),
    after: prefix.slice(close + 1),
  };
}

/**
 * Which of n masters holds `slot` when `redis-cli --cluster create` split the slots over them:
 * master i starts at round(i * 16384 / n - 1) + 1 (its own rounding, so 5461 is the second's of 3).
 */
export function masterRange(slot: number, masters: number): number {
  let range = 0;
  for (let i = 1; i < masters; i++) {
    if (slot >= Math.round((i * SLOTS) / masters - 1) + 1) range = i;
  }
  return range;
}

/** The prefix a queue needs on a cluster: all of a queue's keys in one slot. */
export function clusterQueuePrefix(prefix: string): string {
  return hashTag(prefix) ? prefix : `{${prefix}}`;
}

/**
 * The queue prefix of every partition, partition 0 first (the prefix itself). Without a hash tag
 * (a single Redis) partition i is `<prefix>-p<i>`.
 */
export function partitionPrefixes(prefix: string, partitions: number): string[] {
  const parts = hashTag(prefix);
  const prefixes = [prefix];
  if (!parts) {
    for (let i = 1; i < partitions; i++) prefixes.push(`${prefix}-p${i}`);
    return prefixes;
  }
  const rangeOf = (tag: string) => masterRange(hashSlot(tag), partitions);
  const first = rangeOf(parts.tag);
  for (let i = 1; i < partitions; i++) {
    const range = (first + i) % partitions;
    let tag = `${parts.tag}-p${i}`;
    for (let n = 1; rangeOf(tag) !== range; n++) tag = `${parts.tag}-p${i}-${n}`;
    prefixes.push(`${parts.before}{${tag}}${parts.after}`);
  }
  return prefixes;
}

/** The partition a job id goes to: the same for every producer, so a retried publish finds its job. */
export function partitionOf(jobId: string, partitions: number): number {
  if (partitions <= 1) return 0;
  // FNV-1a over the UTF-16 code units: cheap, stable, spread well enough for this.
  let hash = 0x811c9dc5;
  for (let i = 0; i < jobId.length; i++) {
    hash ^= jobId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/** `host:port,host:port` (REDIS_CLUSTER_NODES) as ioredis Cluster's start-up nodes. */
export function parseClusterNodes(nodes: string): { host: string; port: number }[] {
  return nodes
    .split(',')
    .map((node) => node.trim())
    .filter(Boolean)
    .map((node) => {
      const match = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(node);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65535) {
        throw new Error(`"${node}" is not host:port`);
      }
      return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
    });
}
