import 'reflect-metadata';
import { WorkerHost } from '@nestjs/bullmq';
import type { ClassProvider, Type } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { processorProvider } from './worker.host.js';

// @nestjs/bullmq's metadata keys (bull.constants), read as its explorer reads them.
const PROCESSOR_METADATA = 'bullmq:processor_metadata';
const WORKER_METADATA = 'bullmq:worker_metadata';

class EchoProcessor extends WorkerHost {
  process(): Promise<string> {
    return Promise.resolve('echo');
  }
}

const config = (jobLockMs: number) =>
  ({ redisUrl: 'redis://127.0.0.1:6379', jobLockMs }) as AppConfig;

describe('processorProvider', () => {
  it('binds each registration to its own queue and options, leaving the class untouched', () => {
    const first = processorProvider(EchoProcessor, 'queue-a', config(1000), { concurrency: 2 });
    const second = processorProvider(EchoProcessor, 'queue-b', config(5000));
    const classOf = (provider: unknown) => (provider as ClassProvider).useClass as Type;

    expect((first as ClassProvider).provide).toBe(EchoProcessor);
    expect(Reflect.getMetadata(PROCESSOR_METADATA, EchoProcessor)).toBeUndefined();
    expect(Reflect.getMetadata(WORKER_METADATA, EchoProcessor)).toBeUndefined();
    expect(Reflect.getMetadata(PROCESSOR_METADATA, classOf(first))).toEqual({ name: 'queue-a' });
    expect(Reflect.getMetadata(PROCESSOR_METADATA, classOf(second))).toEqual({ name: 'queue-b' });
    expect(Reflect.getMetadata(WORKER_METADATA, classOf(first))).toMatchObject({
      lockDuration: 1000,
      concurrency: 2,
    });
    expect(Reflect.getMetadata(WORKER_METADATA, classOf(second))).toMatchObject({
      lockDuration: 5000,
    });
    expect(Reflect.getMetadata(WORKER_METADATA, classOf(second))).not.toHaveProperty('concurrency');
    expect(new (classOf(first))()).toBeInstanceOf(EchoProcessor);
  });
});
