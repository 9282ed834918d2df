import { Queue } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { redemptionJobOptions } from '../packages/client/src/job.options.js';
import {
  clusterQueuePrefix,
  hashSlot,
  partitionOf,
  partitionPrefixes,
} from '../packages/client/src/partitions.js';
import { awaitQueueReplicas } from '../packages/client/src/replicas.js';
import {
  JobName,
  REDEMPTION_QUEUE,
  redemptionJobId,
  type RedemptionOutcome,
} from '../src/redemptions/redemption.contract.js';
import { TOKEN, uniquePrefix } from './helpers.js';
import { startLocalCluster, type LocalCluster } from './local-cluster.js';
import { run, type Started } from './processes.js';

/**
 * The service as processes on a real Redis Cluster of this file's own (3 masters, 2 replicas
 * each): the processes write keys no client here names, and the last test kills a master.
 */
const PARTITIONS = 3;
const USERS = 1000;
const TIMEOUT_MS = 180_000;

let cluster: LocalCluster;
beforeAll(async () => {
  cluster = await startLocalCluster({ masters: 3, replicas: 2 });
}, 60_000);
afterAll(async () => cluster?.stop());

const started: Started[] = [];
const queuesOpen: Queue[] = [];
const clients: Cluster[] = [];
afterEach(async () => {
  for (const service of started) service.kill('SIGKILL');
  await Promise.all(started.map((service) => service.exitCode));
  started.length = 0;
  await Promise.all(queuesOpen.splice(0).map((queue) => queue.close()));
  await Promise.all(clients.splice(0).map((client) => client.quit()));
});

function newCluster(): Cluster {
  const client = new Cluster(
    cluster.nodes.split(',').map((node) => {
      const [host, port] = node.split(':');
      return { host: host!, port: Number(port) };
    }),
    { retryDelayOnFailover: 200, retryDelayOnClusterDown: 200, slotsRefreshTimeout: 2000 },
  );
  clients.push(client);
  return client;
}

/** An environment for service processes sharing one queue prefix and store prefix. */
function environment(extra: Record<string, string> = {}) {
  return {
    REDIS_CLUSTER_NODES: cluster.nodes,
    STORE: 'redis',
    STORE_PREFIX: uniquePrefix(),
    QUEUE_PREFIX: uniquePrefix(), // wrapped in braces by the service
    QUEUE_PARTITIONS: String(PARTITIONS),
    ADMIN_TOKEN: TOKEN,
    JOB_LOCK_MS: '2000',
    RATE_LIMIT_PER_MINUTE: '0',
    PORT: '0',
    ...extra,
  };
}

async function start(env: Record<string, string>, role: 'api' | 'worker' | 'all') {
  const service = run({ ...env, ROLE: role, WORKER_CONCURRENCY: '8' });
  started.push(service);
  const [, port] = await service.waitFor(/(?:listening|health and metrics) on port (\d+)/);
  return { service, port: Number(port) };
}

function api(port: number) {
  const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
  const call = async (method: string, path: string, body?: object) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers,
      body: body && JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: object) => call('POST', path, body),
    put: (path: string, body: object) => call('PUT', path, body),
  };
}

/** One coupon code per third of the slot space, so per master of a freshly created cluster. */
function codesOnEveryMaster(base: string): string[] {
  const codes: string[] = [];
  for (let i = 0; codes.length < 3; i++) {
    const code = `${base}${i}`;
    if (Math.floor((hashSlot(code) * 3) / 16384) === codes.length) codes.push(code);
  }
  return codes;
}

async function seed(
  port: number,
  coupons: { code: string; repeatCounts: object }[],
  users = USERS,
): Promise<void> {
  const rest = api(port);
  for (const { code, repeatCounts } of coupons) {
    const created = await rest.post('/coupons', {
      code,
      discountPercentage: 10,
      expiresAt: '2099-12-31',
      repeatCounts,
    });
    expect(created.status).toBe(201);
  }
  for (let i = 0; i < users; i += 50) {
    const batch = Array.from({ length: Math.min(50, users - i) }, (_, j) =>
      rest.post('/users', { id: `user-${i + j}`, name: 'U', email: `user-${i + j}@example.com` }),
    );
    for (const { status } of await Promise.all(batch)) expect(status).toBe(201);
  }
}

/** Producers on every partition, as an order system sends jobs: each job id to its partition. */
function producers(queuePrefix: string): Queue[] {
  const connection = newCluster();
  return partitionPrefixes(clusterQueuePrefix(queuePrefix), PARTITIONS).map((prefix) => {
    const queue = new Queue(REDEMPTION_QUEUE, { connection, prefix });
    queuesOpen.push(queue);
    return queue;
  });
}

interface Order {
  couponCode: string;
  userId: string;
  orderId: string;
}

async function publish(queues: Queue[], orders: Order[], waitReplicas = 0): Promise<void> {
  const byPartition = queues.map(() => [] as Order[]);
  for (const order of orders) {
    byPartition[partitionOf(redemptionJobId(order.couponCode, order.orderId), queues.length)]!.push(
      order,
    );
  }
  const options = redemptionJobOptions(168);
  await Promise.all(
    queues.map(async (queue, partition) => {
      const mine = byPartition[partition]!;
      for (let i = 0; i < mine.length; i += 500) {
        await queue.addBulk(
          mine.slice(i, i + 500).map((data) => ({
            name: JobName.Redeem,
            data,
            opts: { ...options, jobId: redemptionJobId(data.couponCode, data.orderId) },
          })),
        );
        await awaitQueueReplicas(queue, waitReplicas, 5000);
      }
    }),
  );
}

async function finished(queues: Queue[]) {
  const counts = await Promise.all(
    queues.map((queue) => queue.getJobCounts('completed', 'failed')),
  );
  return {
    completed: counts.reduce((sum, count) => sum + count.completed!, 0),
    failed: counts.reduce((sum, count) => sum + count.failed!, 0),
  };
}

async function whenFinished(queues: Queue[], count: number, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const done = await finished(queues);
    if (done.completed + done.failed >= count) return done;
    if (Date.now() > deadline) {
      throw new Error(`${done.completed} completed, ${done.failed} failed of ${count} in ${ms} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function outcomes(queues: Queue[]): Promise<RedemptionOutcome[]> {
  const jobs = (
    await Promise.all(queues.map((queue) => queue.getJobs(['completed'], 0, -1)))
  ).flat();
  return jobs.map((job) => job.returnvalue as RedemptionOutcome);
}

/** Keys under `prefix` on the master at `port`. */
async function keysOn(port: number, prefix: string): Promise<number> {
  const node = new Redis(port, '127.0.0.1');
  try {
    let count = 0;
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
    return count;
  } finally {
    node.disconnect();
  }
}

describe('the service on a Redis Cluster (3 masters, 2 replicas each)', () => {
  it(
    'decides 6,000 jobs of 1,000 users on coupons of every master exactly, through 3 partitions, with a worker killed mid-burst',
    async () => {
      const env = environment();
      const { port } = await start(env, 'api');
      const workers = await Promise.all([1, 2, 3].map(() => start(env, 'worker')));
      const [capped, daily, once] = codesOnEveryMaster('SHARD');
      await seed(port, [
        { code: capped!, repeatCounts: { globalTotal: 500 } },
        { code: daily!, repeatCounts: { globalTotal: 300, userDaily: 1 } },
        { code: once!, repeatCounts: { userTotal: 1 } },
      ]);
      const queues = producers(env.QUEUE_PREFIX);
      // Each user twice on each coupon, interleaved.
      const orders = Array.from({ length: 6000 }, (_, i) => ({
        couponCode: [capped!, daily!, once!][i % 3]!,
        userId: `user-${Math.floor(i / 3) % USERS}`,
        orderId: `order-${i}`,
      }));
      await publish(queues, orders);
      for (;;) {
        const { completed } = await finished(queues);
        if (completed >= 1500) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      workers[0]!.service.kill('SIGKILL');

      expect(await whenFinished(queues, 6000, 120_000)).toEqual({ completed: 6000, failed: 0 });
      const decided = await outcomes(queues);
      expect(new Set(decided.map((outcome) => outcome.orderId)).size).toBe(6000);
      const accepted = (code: string) =>
        decided.filter((outcome) => outcome.couponCode === code && outcome.status === 'accepted');
      expect(accepted(capped!)).toHaveLength(500);
      expect(accepted(daily!)).toHaveLength(300);
      expect(accepted(once!)).toHaveLength(USERS);
      expect(new Set(accepted(daily!).map((outcome) => outcome.userId)).size).toBe(300);
      expect(new Set(accepted(once!).map((outcome) => outcome.userId)).size).toBe(USERS);
      const rest = api(port);
      for (const [code, used] of [
        [capped!, 500],
        [daily!, 300],
        [once!, USERS],
      ] as const) {
        expect((await rest.get(`/coupons/${code}/repeat-counts`)).body).toMatchObject({
          globalUsed: used,
        });
      }

      // Every master holds coupon keys, and every partition's queue is on a master of its own.
      const masters = await Promise.all([0, 8192, 16383].map((slot) => cluster.shardOf(slot)));
      expect(new Set(masters.map((shard) => shard.master.port)).size).toBe(3);
      for (const shard of masters) {
        expect(await keysOn(shard.master.port, env.STORE_PREFIX)).toBeGreaterThan(0);
      }
      const queueMasters = await Promise.all(
        queues.map((queue) => cluster.masterOf(queue.keys.meta!)),
      );
      expect(new Set(queueMasters.map((node) => node.port)).size).toBe(PARTITIONS);
    },
    TIMEOUT_MS,
  );

  it(
    'shares one rate limit between two API processes',
    async () => {
      const env = environment({ RATE_LIMIT_PER_MINUTE: '6' });
      const [first, second] = await Promise.all([start(env, 'api'), start(env, 'api')]);
      const statuses = async (port: number, n: number) =>
        Promise.all(
          Array.from({ length: n }, async () => (await api(port).get('/coupons')).status),
        );
      expect([...(await statuses(first.port, 3)), ...(await statuses(second.port, 3))]).toEqual([
        200, 200, 200, 200, 200, 200,
      ]);
      expect(await statuses(first.port, 1)).toEqual([429]);
      expect(await statuses(second.port, 1)).toEqual([429]);
    },
    TIMEOUT_MS,
  );

  it(
    "keeps a hot coupon's cap exact when its master is killed mid-burst (REDIS_WAIT_REPLICAS=1)",
    async () => {
      const env = environment({ REDIS_WAIT_REPLICAS: '1' });
      const { port } = await start(env, 'api');
      await Promise.all([1, 2].map(() => start(env, 'worker')));
      const HOT = 'HOT';
      const CAP = 1500;
      await seed(port, [{ code: HOT, repeatCounts: { globalTotal: CAP } }]);
      const queues = producers(env.QUEUE_PREFIX);
      const orders = Array.from({ length: 3000 }, (_, i) => ({
        couponCode: HOT,
        userId: `user-${i % USERS}`,
        orderId: `hot-${i}`,
      }));
      // Every job on a replica before it counts as published: a failover cannot lose it.
      await publish(queues, orders, 1);
      const shard = await cluster.shardOf(hashSlot(HOT));
      for (;;) {
        const { completed } = await finished(queues);
        if (completed >= 600) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      process.kill(shard.master.pid!, 'SIGKILL');

      expect(await whenFinished(queues, orders.length, 120_000)).toEqual({
        completed: orders.length,
        failed: 0,
      });
      const promoted = await cluster.shardOf(hashSlot(HOT), shard.replicas[0]!.port);
      expect(promoted.master.port).not.toBe(shard.master.port);
      const decided = await outcomes(queues);
      expect(new Set(decided.map((outcome) => outcome.orderId)).size).toBe(orders.length);
      const accepted = decided.filter((outcome) => outcome.status === 'accepted').length;
      // Read from the promoted master directly: the API's own client may still be catching up.
      const stored = Number(await newCluster().get(`${env.STORE_PREFIX}:{${HOT}}:used`));
      expect(accepted).toBe(stored);
      expect(accepted).toBeLessThanOrEqual(CAP);
    },
    TIMEOUT_MS,
  );
});
