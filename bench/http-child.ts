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
import type { AppConfig } from '../src/config/app-config.js';
import { appConfig, childMain, nextMessage, send } from './common.js';

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

interface HttpSpec {
  store: 'memory' | 'redis';
  queuePrefix: string;
  storePrefix: string;
}

const spec = JSON.parse(process.argv[2]) as HttpSpec;

async function main(): Promise<void> {
  const config = appConfig({ role: 'all', ...spec });
  const app = await NestFactory.create<NestExpressApplication>(BenchRootModule.forRoot(config), {
    bodyParser: false,
    logger: ['error'],
  });
  configureHttp(app, config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  await send({ type: 'result', result: { port } });
  await nextMessage('stop');
  await app.close();
}

childMain(main);
