/**
 * `@coupon-code-service/client/internal`: the job-waiting pieces the client is built from, which
 * the service shares. Not part of the client's public API: no stability promise.
 */
export * from './job.status.js';
export * from './job.waiter.js';
export * from './queue-events.relay.js';
export * from './replicas.js';
