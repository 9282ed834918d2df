import { Global, Module } from '@nestjs/common';
import { JobWaiter } from './job-waiter.js';

/** One JobWaiter for every queue's workers and the REST requests that wait on them. */
@Global()
@Module({ providers: [JobWaiter], exports: [JobWaiter] })
export class JobsModule {}
