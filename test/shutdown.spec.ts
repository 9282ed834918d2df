import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { EmbeddedRedis } from '../src/redis/embedded-redis.js';
import { freePort, isRunning, redisServerPid, run, signal, type Started } from './processes.js';

/** What each test started, killed by pid afterwards whatever happened. */
const started: Started[] = [];
const pids: number[] = [];
const servers: Server[] = [];
const redises: EmbeddedRedis[] = [];

function start(env: Record<string, string>): Started {
  const service = run(env, { detached: true });
  started.push(service);
  return service;
}

afterEach(async () => {
  for (const service of started.splice(0)) {
    signal(-service.pid, 'SIGKILL');
    await service.exitCode;
  }
  for (const pid of pids.splice(0)) signal(pid, 'SIGKILL');
  for (const server of servers.splice(0)) server.close();
  for (const redis of redises.splice(0)) await redis.stop();
});

async function occupy(port: number): Promise<void> {
  const server = createServer();
  servers.push(server);
  server.listen(port);
  await once(server, 'listening');
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

/** The promise's value, or 'still running' after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The lines the service wrote, without blank ones. */
const lines = (service: Started) =>
  service
    .output()
    .split('\n')
    .filter((line) => line.trim() !== '');

/** A service on a Redis of the test's own, which the test then takes away. */
async function serviceWhoseRedisIsGone(env: Record<string, string> = {}) {
  const redis = await EmbeddedRedis.start();
  redises.push(redis);
  const service = start({ PORT: '0', REDIS_URL: redis.url, ...env });
  await service.waitFor(/listening on port \d+/);
  await redis.stop();
  return service;
}

describe('Ctrl-C and shutdown', () => {
  it('Ctrl-C (SIGINT to the whole process group) stops service and embedded Redis, Redis last', async () => {
    const redisPort = await freePort();
    const service = start({ PORT: '0', EMBEDDED_REDIS_PORT: String(redisPort) });
    const [line] = await service.waitFor(/^Embedded Redis for this run: .*$/m);
    expect(line).toBe(
      `Embedded Redis for this run: redis://127.0.0.1:${redisPort} (data is lost at exit)`,
    );
    await service.waitFor(/listening on port \d+/);
    const redisPid = redisServerPid(redisPort);
    expect(redisPid).toBeDefined();
    pids.push(redisPid!);

    signal(-service.pid, 'SIGINT');
    expect(await within(service.exitCode, 15_000)).toBe(0);
    expect(await until(() => !isRunning(redisPid!), 5000)).toBe(true);
    expect(service.output()).not.toContain('ECONNREFUSED');
  }, 45_000);

  it('ends a shutdown that hangs after SHUTDOWN_TIMEOUT_MS, saying what was still running', async () => {
    // Redis gone before the shutdown: closing the queues waits for it for ever.
    const service = await serviceWhoseRedisIsGone({ SHUTDOWN_TIMEOUT_MS: '1000' });
    service.kill('SIGTERM');
    expect(await within(service.exitCode, 15_000)).toBe(1);
    expect(service.output()).toMatch(
      /Shutdown did not finish within 1000 ms; still pending: closing the app .*; active: .+/,
    );
  }, 45_000);

  it('a second Ctrl-C forces the exit', async () => {
    const service = await serviceWhoseRedisIsGone({ SHUTDOWN_TIMEOUT_MS: '600000' });
    signal(-service.pid, 'SIGINT');
    await service.waitFor(/SIGINT received: shutting down/);
    signal(-service.pid, 'SIGINT');
    expect(await within(service.exitCode, 10_000)).toBe(130);
    expect(service.output()).toContain('SIGINT again: exiting now');
  }, 45_000);
});

describe('start-up failures: one line saying what to do, exit 1', () => {
  it('PORT in use', async () => {
    const port = await freePort();
    await occupy(port);
    const service = start({ PORT: String(port) });
    expect(await within(service.exitCode, 20_000)).toBe(1);
    expect(lines(service)).toEqual([
      `Port ${port} is in use: stop what listens there or set PORT to a free port`,
    ]);
  }, 30_000);

  it('EMBEDDED_REDIS_PORT in use', async () => {
    const port = await freePort();
    await occupy(port);
    const service = start({ PORT: '0', EMBEDDED_REDIS_PORT: String(port) });
    expect(await within(service.exitCode, 20_000)).toBe(1);
    expect(lines(service)).toEqual([
      `Port ${port} is in use: stop what listens there or set EMBEDDED_REDIS_PORT to a free port (or unset it for any free port)`,
    ]);
  }, 30_000);

  it('no redis-server on PATH', async () => {
    // Node is started by its full path; PATH leads nowhere, so there is no redis-server.
    const service = start({ PORT: '0', PATH: '/nonexistent' });
    expect(await within(service.exitCode, 20_000)).toBe(1);
    expect(lines(service)).toEqual([
      'REDIS_URL is unset and redis-server is not on PATH: install Redis (such as apt-get install redis-server) or set REDIS_URL to a running Redis',
    ]);
  }, 30_000);

  it('Redis unreachable', async () => {
    const port = await freePort();
    const service = start({ PORT: '0', REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(await within(service.exitCode, 20_000)).toBe(1);
    expect(lines(service)).toEqual([
      `Cannot reach Redis at redis://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}): start it, correct REDIS_URL, or unset REDIS_URL for an embedded Redis`,
    ]);
  }, 30_000);
});
