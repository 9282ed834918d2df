import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { ConnectionOptions } from 'bullmq';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { RedisClient } from '../store/redis/client.redis.js';

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

/** Each app's cluster client for its workers, closed with the app (RedisConnections). */
const consumerClusters = new WeakMap<AppConfig, Cluster>();

/**
 * The connection of BullMQ workers and QueueEvents: options for a single Redis, which BullMQ opens
 * and closes itself; on a cluster one cluster client per app, which BullMQ duplicates for blocking
 * reads but shares for a worker's other commands and leaves open.
 */
export function consumerConnection(config: AppConfig): ConnectionOptions {
  if (!config.redisClusterNodes) return { url: config.redisUrl };
  let cluster = consumerClusters.get(config);
  if (!cluster) {
    cluster = redisClient(config, { lazyConnect: true, maxRetriesPerRequest: null }) as Cluster;
    consumerClusters.set(config, cluster);
  }
  return cluster;
}

async function close(cluster: Cluster | undefined): Promise<void> {
  if (!cluster) return;
  if (cluster.status === 'wait')
    cluster.disconnect(); // never connected
  else await cluster.quit().catch(() => cluster.disconnect());
}

/**
 * The producers' connection (queues and the queue reads of health, metrics and the dashboard).
 * Producers fail fast while Redis is away (the API answers 503); workers wait for it instead. On a
 * cluster all queues share one cluster client, which BullMQ leaves open: it is closed here, last,
 * with the workers' one.
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
    await Promise.all([close(this.producerCluster), close(consumerClusters.get(this.config))]);
  }
}

@Global()
@Module({ providers: [RedisConnections], exports: [RedisConnections] })
export class RedisConnectionsModule {}
