/** Stops the throwaway redis-server that global-setup.mjs started, if it started one. */
export default async function globalTeardown() {
  await globalThis.testRedis?.stop();
}
