/**
 * `@coupon-code-service/client/contract`: the queue contract without the client – names, types,
 * job ids and job options. Loads no Redis client (bullmq is imported for types only).
 */
export * from './queue.contract.js';
export * from './job.ids.js';
export * from './job.options.js';
export * from './partitions.js';
