/** Stops what global-setup.mjs started: the throwaway redis-server and the local Redis Cluster. */
export default async function globalTeardown() {
  await Promise.all([globalThis.testRedis?.stop(), globalThis.testRedisCluster?.stop()]);
}
