import type { Cluster, Redis } from 'ioredis';

/**
 * The store's connection: one Redis, or a Redis Cluster. Every command the store sends names keys
 * of one hash slot only (see keys.redis.ts), so both take the same code; nothing pipelines or
 * MULTIs keys of different slots, which a cluster refuses. Reads go to masters (ioredis's default
 * scaleReads): the coupon index's re-checks (coupons.redis.ts) must see the latest writes.
 */
export type RedisClient = Redis | Cluster;
