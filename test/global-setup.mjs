/**
 * `npm test` sets up its own Redis: TEST_REDIS_URL when set, else the Redis answering at
 * 127.0.0.1:6379, else a throwaway redis-server (EmbeddedRedis, the one `npm start` runs without
 * REDIS_URL), stopped by global-teardown.mjs. Jest's workers inherit TEST_REDIS_URL from here.
 * Plain JavaScript on the built dist/ (as the process tests use dist/main.js): jest loads global
 * set-up files with Node's own resolver, which does not map our .js imports to .ts sources.
 *
 * It also starts one local Redis Cluster (3 masters, 2 replicas each) for the cluster tests,
 * unless TEST_REDIS_CLUSTER_NODES ("host:port,...") names one already; the workers inherit it.
 */
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { startLocalCluster } from './local-cluster.mjs';

const DEFAULT_URL = 'redis://127.0.0.1:6379';
const EMBEDDED = new URL('../dist/redis/embedded-redis.js', import.meta.url);

async function answers(url) {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export default async function globalSetup() {
  await Promise.all([startCluster(), findRedis()]);
}

async function startCluster() {
  if (process.env.TEST_REDIS_CLUSTER_NODES) return;
  const started = Date.now();
  const cluster = await startLocalCluster({ masters: 3, replicas: 2 });
  globalThis.testRedisCluster = cluster;
  process.env.TEST_REDIS_CLUSTER_NODES = cluster.nodes;
  console.log(`\nlocal Redis Cluster (3 masters x 2 replicas) up in ${Date.now() - started} ms`);
}

async function findRedis() {
  if (process.env.TEST_REDIS_URL) return;
  if (await answers(DEFAULT_URL)) {
    process.env.TEST_REDIS_URL = DEFAULT_URL;
    return;
  }
  if (!existsSync(EMBEDDED)) {
    throw Object.assign(new Error('dist/ is missing: run `npm run build` (npm test does)'), {
      stack: 'dist/ is missing: run `npm run build` (npm test does)',
    });
  }
  const { EmbeddedRedis } = await import(EMBEDDED.href);
  const redis = await EmbeddedRedis.start();
  globalThis.testRedis = redis;
  process.env.TEST_REDIS_URL = redis.url;
  console.log(`\nnothing answers at ${DEFAULT_URL}: the tests run on a throwaway ${redis.url}`);
}
