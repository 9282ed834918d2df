/**
 * The service's HTTP API (ROLE=all) for the autocannon runs, in a process of its own (forked by
 * run.ts), plus a bench-only route GET /bench/bare in the same app: the same HTTP pipeline and
 * global guard, no service work. Reports its port, then serves until told to stop.
 */
import 'reflect-metadata';
import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { AppModule } from '../src/app.module.js';
import { configureHttp } from '../src/common/http.js';
import { DEFAULTS, defaultWorkerConcurrency, type AppConfig } from '../src/config/app-config.js';
import { appConfig, childMain, nextMessage, send, startProfiler } from './common.js';

@Controller('bench')
class BareController {
  @Get('bare')
  bare() {
    return { ok: true, at: Date.now() };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

@Module({})
class BenchRootModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: BenchRootModule, imports: [AppModule.forRoot(config), BareModule] };
  }
}

export interface HttpSpec {
  store: 'memory' | 'redis';
  queuePrefix: string;
  storePrefix: string;
  /** Write a CPU profile of the serving (from listen to stop) to this file. */
  profileFile?: string;
}

const spec = JSON.parse(process.argv[2]) as HttpSpec;

async function main(): Promise<void> {
  // As `npm start` runs it (request logs at info), but without the per-address rate limit: the
  // load comes from one address. run.ts sends stdout to /dev/null.
  const config = appConfig({
    role: 'all',
    store: spec.store,
    queuePrefix: spec.queuePrefix,
    storePrefix: spec.storePrefix,
    workerConcurrency: defaultWorkerConcurrency(spec.store),
    logLevel: DEFAULTS.logLevel,
  });
  const app = await NestFactory.create<NestExpressApplication>(BenchRootModule.forRoot(config), {
    bodyParser: false,
    logger: ['error'],
  });
  configureHttp(app, config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const profiler = spec.profileFile ? await startProfiler() : undefined;
  // On each "usage": the CPU time and event-loop utilisation since the last one.
  let cpu = process.cpuUsage();
  let loop = performance.eventLoopUtilization();
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'usage') return;
    const { user, system } = process.cpuUsage(cpu);
    const utilization = performance.eventLoopUtilization(loop).utilization;
    cpu = process.cpuUsage();
    loop = performance.eventLoopUtilization();
    void send({ type: 'result', result: { cpuUs: user + system, utilization } });
  });
  await send({ type: 'result', result: { port } });
  await nextMessage('stop');
  await profiler?.stop(spec.profileFile!);
  await app.close();
}

childMain(main);
