import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { configureHttp } from './common/http.js';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError, DEFAULTS, loadConfig, type AppConfig } from './config/app-config.js';
import { QuietStartupLogger } from './monitoring/logging.js';
import { canListen, EmbeddedRedis, EmbeddedRedisError } from './redis/embedded-redis.js';
import { shutdownHandler } from './shutdown.js';
import { partitionPrefixes } from '@coupon-code-service/client/contract';
import { Cluster, Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';

const logger = new Logger('Bootstrap');

/** A start-up failure: one line that says what to do, exit 1 (the embedded Redis goes on 'exit'). */
function fail(line: string): never {
  console.error(line);
  process.exit(1);
}

function readConfig(): AppConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    fail(`Invalid configuration: ${error.message}`);
  }
}

async function ensureReachable(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // Without a listener ioredis prints each error with its stack; the reason goes in our one line.
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    fail(
      `Cannot reach Redis at ${redact(url)} (${(cause ?? (error as Error)).message}): start it, correct REDIS_URL, or unset REDIS_URL for an embedded Redis`,
    );
  } finally {
    client.disconnect();
  }
}

async function ensureClusterReachable(nodes: { host: string; port: number }[]): Promise<void> {
  const seeds = nodes.map(({ host, port }) => `${host}:${port}`).join(',');
  const cluster = new Cluster(nodes, {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: () => null,
    redisOptions: { maxRetriesPerRequest: 0, connectTimeout: 5000 },
  });
  let cause: Error | undefined;
  cluster.on('error', (error: Error) => (cause ??= error));
  try {
    await cluster.connect();
    const info = await cluster.cluster('INFO');
    const state = /cluster_state:(\w+)/.exec(info)?.[1];
    if (state !== 'ok') throw new Error(`cluster_state is ${state ?? 'unknown'}`);
  } catch (error) {
    fail(
      `Cannot use the Redis Cluster at ${seeds} (${(cause ?? (error as Error)).message}): start it, or correct REDIS_CLUSTER_NODES`,
    );
  } finally {
    cluster.disconnect();
  }
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString().replace(/\/$/, '');
}

const portInUse = (port: number) =>
  `Port ${port} is in use: stop what listens there or set PORT to a free port`;

const config = readConfig();
/** What the shutdown stops, filled in as start-up goes. */
const running: { app?: NestExpressApplication; embedded?: EmbeddedRedis } = {};

// Signals are handled from the start, so that a Ctrl-C during start-up still stops the embedded
// Redis. The app closes first (workers finish the job in hand, queues and Redis connections close),
// the embedded Redis last, as the app needs it until then.
const onSignal = shutdownHandler({
  timeoutMs: config.shutdownTimeoutMs ?? DEFAULTS.shutdownTimeoutMs,
  steps: [
    {
      name: 'closing the app (HTTP server, workers, queues, Redis connections)',
      run: () => running.app?.close(),
    },
    { name: 'stopping the embedded Redis', run: () => running.embedded?.stop() },
  ],
  log: (message) => logger.log(message),
  error: (message) => logger.error(message),
  exit: (code) => process.exit(code),
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, onSignal);

// Checked before anything starts: Nest would report success first, then a raw EADDRINUSE stack.
if (config.port !== 0 && !(await canListen(config.port))) fail(portInUse(config.port));

if (config.redisClusterNodes) {
  await ensureClusterReachable(config.redisClusterNodes);
} else if (config.redisUrl) {
  await ensureReachable(config.redisUrl);
} else {
  try {
    running.embedded = await EmbeddedRedis.start({ port: config.embeddedRedisPort });
  } catch (error) {
    if (!(error instanceof EmbeddedRedisError)) throw error;
    fail(error.message);
  }
  config.redisUrl = running.embedded.url;
  console.log(`Embedded Redis for this run: ${config.redisUrl} (data is lost at exit)`);
}

const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
  bufferLogs: true,
  bodyParser: false,
});
app.useLogger(new QuietStartupLogger(app.get(PinoLogger)));
running.app = app;
configureHttp(app, config);
try {
  await app.listen(config.port);
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
  fail(portInUse(config.port)); // taken since the check above
}
const { port } = app.getHttpServer().address() as AddressInfo;
const partitions = partitionPrefixes(config.queuePrefix, config.queuePartitions ?? 1);
logger.log(
  `Queues on ${config.redisClusterNodes ? 'Redis Cluster' : 'Redis'}: prefix ${config.queuePrefix}` +
    (partitions.length > 1 ? `, ${partitions.length} partitions (${partitions.join(' ')})` : ''),
);
logger.log(
  config.role === 'worker'
    ? `Coupon Code Service worker running (${config.store} store); health and metrics on port ${port}`
    : `Coupon Code Service (ROLE=${config.role}, ${config.store} store) listening on port ${port}`,
);
