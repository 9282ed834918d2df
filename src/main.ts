import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { configureHttp } from './common/http.js';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';
import { EmbeddedRedis } from './redis/embedded-redis.js';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';

const logger = new Logger('Bootstrap');

function readConfig(): AppConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Invalid configuration: ${error.message}`);
    process.exit(1);
  }
}

async function ensureReachable(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    console.error(`Cannot reach Redis at ${redact(url)}: ${(error as Error).message}`);
    process.exit(1);
  } finally {
    client.disconnect();
  }
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

const config = readConfig();
let embedded: EmbeddedRedis | undefined;
if (config.redisUrl) {
  await ensureReachable(config.redisUrl);
} else {
  embedded = await EmbeddedRedis.start();
  config.redisUrl = embedded.url;
  logger.log(
    `REDIS_URL is unset: started an embedded throwaway redis-server at ${embedded.url} (nothing is kept)`,
  );
}

const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
  bufferLogs: true,
  bodyParser: false,
});
app.useLogger(app.get(PinoLogger));
configureHttp(app, config);
await app.listen(config.port);
const { port } = app.getHttpServer().address() as AddressInfo;
logger.log(
  config.role === 'worker'
    ? `Coupon Code Service worker running (${config.store} store); health and metrics on port ${port}`
    : `Coupon Code Service (ROLE=${config.role}, ${config.store} store) listening on port ${port}`,
);

// Close the app (workers finish the job in hand, queues and Redis connections close), then exit 0.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: shutting down`);
    void app
      .close()
      .then(() => embedded?.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`Shutdown failed: ${(error as Error).message}`);
          process.exit(1);
        },
      );
  });
}
