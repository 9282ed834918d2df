import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { ConnectionOptions } from 'bullmq';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

import type { RedisClient } from '../store/redis/client.redis.js';

export type { RedisClient };

/**
 * A new client of the configured Redis: a single server, or a cluster client over the seed nodes
 * whose per-node connections get `options`. Cluster-wide, `enableOfflineQueue` applies to the
 * cluster client itself.
 */
export function redisClient(
  config: Pick<AppConfig, 'redisUrl' | 'redisClusterNodes'>,
  options: RedisOptions = {},
): RedisClient {
  if (!config.redisClusterNodes) return new Redis(config.redisUrl!, options);
  const { enableOfflineQueue, lazyConnect, ...nodeOptions } = options;
  return new Cluster(config.redisClusterNodes, {
    enableOfflineQueue,
    lazyConnect,
    redisOptions: nodeOptions,
  });
}

/**
 * The connection of a BullMQ worker or QueueEvents, which BullMQ opens and closes itself: options
 * for a single Redis; on a cluster an unconnected cluster client that BullMQ only duplicates.
 */
export function consumerConnection(config: AppConfig): ConnectionOptions {
  return config.redisClusterNodes
    ? redisClient(config, { lazyConnect: true, maxRetriesPerRequest: null })
    : { url: config.redisUrl };
}

/**
 * The producers' connection (queues and the queue reads of health, metrics and the dashboard).
 * Producers fail fast while Redis is away (the API answers 503); workers wait for it instead. On a
 * cluster all queues share one cluster client, which BullMQ leaves open: it is closed here, last.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private producerCluster: Cluster | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  producer(): ConnectionOptions {
    if (!this.config.redisClusterNodes) {
      return { url: this.config.redisUrl, enableOfflineQueue: false };
    }
    this.producerCluster ??= redisClient(this.config, { enableOfflineQueue: false }) as Cluster;
    return this.producerCluster;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producerCluster?.quit().catch(() => this.producerCluster?.disconnect());
  }
}

@Global()
@Module({ providers: [RedisConnections], exports: [RedisConnections] })
export class RedisConnectionsModule {}
