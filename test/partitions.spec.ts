import calculateSlot from 'cluster-key-slot';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import {
  clusterQueuePrefix,
  hashSlot,
  masterRange,
  parseClusterNodes,
  partitionOf,
  partitionPrefixes,
} from '../packages/client/src/partitions.js';
import { CouponClient } from '../packages/client/src/coupon.client.js';
import { RedemptionQueues } from '../src/jobs/redemption-queues.js';
import { JobName, REDEMPTION_QUEUE } from '../src/redemptions/redemption.contract.js';
import { REDIS_URL, startApp, type TestApp } from './helpers.js';

/** The slot ranges `redis-cli --cluster create` gives n masters (redis-cli.c: lround of a float cursor). */
function createdRanges(n: number): [number, number][] {
  const perNode = 16384 / n;
  const ranges: [number, number][] = [];
  let first = 0;
  for (let i = 0, cursor = 0; i < n; i++, cursor += perNode) {
    const last = i === n - 1 ? 16383 : Math.round(cursor + perNode - 1);
    ranges.push([first, last]);
    first = last + 1;
  }
  return ranges;
}

const rangeOf = (prefix: string, partitions: number) => {
  const slot = hashSlot(/\{([^}]+)\}/.exec(prefix)![1]!);
  return createdRanges(partitions).findIndex(([first, last]) => slot >= first && slot <= last);
};

describe('partition placement', () => {
  it('computes the slot Redis Cluster computes', () => {
    for (let i = 0; i < 2000; i++) {
      const tag = randomBytes(1 + (i % 20)).toString(i % 2 ? 'hex' : 'base64');
      expect(hashSlot(tag)).toBe(calculateSlot(tag));
    }
  });

  it('keeps partition 0 and puts N partitions in N different parts of the slot space', () => {
    for (const base of ['{bull}', '{coupons}', 'shop{q}x', '{test-0a1b2c}']) {
      for (const partitions of [2, 3, 4, 6]) {
        const prefixes = partitionPrefixes(base, partitions);
        expect(prefixes[0]).toBe(base);
        expect(new Set(prefixes).size).toBe(partitions);
        const ranges = prefixes.map((prefix) => rangeOf(prefix, partitions));
        expect(new Set(ranges).size).toBe(partitions);
      }
    }
    expect(partitionPrefixes('shop{q}x', 2)[1]).toMatch(/^shop\{q-p1(-\d+)?\}x$/);
  });

  it('names partitions after the prefix on a single Redis, and wraps prefixes for a cluster', () => {
    expect(partitionPrefixes('bull', 3)).toEqual(['bull', 'bull-p1', 'bull-p2']);
    expect(clusterQueuePrefix('bull')).toBe('{bull}');
    expect(clusterQueuePrefix('a{b}c')).toBe('a{b}c');
    expect(clusterQueuePrefix('a{}c')).toBe('{a{}c}');
  });

  it('places slots on masters as redis-cli --cluster create splits them', () => {
    expect(createdRanges(3)).toEqual([
      [0, 5460],
      [5461, 10922],
      [10923, 16383],
    ]);
    for (const n of [2, 3, 4, 5, 6, 7, 12]) {
      const ranges = createdRanges(n);
      const misplaced = Array.from({ length: 16384 }, (_, slot) => slot).filter((slot) => {
        const [first, last] = ranges[masterRange(slot, n)]!;
        return slot < first || slot > last;
      });
      expect(misplaced).toEqual([]);
    }
  });

  it('sends a job id to the same partition every time, and spreads ids evenly', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) {
      const partition = partitionOf(`redeem.SAVE10.order-${i}`, 3);
      expect(partitionOf(`redeem.SAVE10.order-${i}`, 3)).toBe(partition);
      counts[partition]!++;
    }
    for (const count of counts) expect(count).toBeGreaterThan(850);
    expect(partitionOf('anything', 1)).toBe(0);
  });

  it('reads seed nodes, IPv6 included, and refuses what is not host:port', () => {
    expect(parseClusterNodes('a:1, [::1]:7000')).toEqual([
      { host: 'a', port: 1 },
      { host: '::1', port: 7000 },
    ]);
    expect(() => parseClusterNodes('a')).toThrow('"a" is not host:port');
    expect(() => parseClusterNodes('a:0')).toThrow('is not host:port');
  });
});

describe('QUEUE_PARTITIONS=3 on a single Redis (redis store)', () => {
  let t: TestApp;
  let client: CouponClient;

  beforeAll(async () => {
    t = await startApp({ store: 'redis', queuePartitions: 3 });
    client = new CouponClient({
      connection: { url: REDIS_URL },
      prefix: t.config.queuePrefix,
      partitions: 3,
    });
    await t
      .post('/coupons', { code: 'PARTS', discountPercentage: 10, expiresAt: '2099-12-31' })
      .expect(201);
    await t.put('/coupons/PARTS/repeat-counts', { globalTotal: 40 }).expect(200);
    for (let i = 0; i < 4; i++) {
      await t
        .post('/users', { id: `u${i}`, name: `U ${i}`, email: `u${i}@example.com` })
        .expect(201);
    }
  });

  afterAll(async () => {
    await client.close();
    await t.close();
  });

  it('spreads REST and client jobs over the partitions, and every worker decides them, capped exactly', async () => {
    const queues = t.app.get(RedemptionQueues).all;
    expect(queues.map((queue) => queue.opts.prefix)).toEqual(
      partitionPrefixes(t.config.queuePrefix, 3),
    );
    const rest = Array.from({ length: 30 }, (_, i) =>
      t.post('/redemptions', { couponCode: 'PARTS', userId: `u${i % 4}`, orderId: `rest-${i}` }),
    );
    const typed = Array.from({ length: 30 }, (_, i) =>
      client.redeem({ couponCode: 'PARTS', userId: `u${i % 4}`, orderId: `typed-${i}` }),
    );
    const restAnswers = await Promise.all(rest);
    const typedAnswers = await Promise.all(typed);
    const statuses = [
      ...restAnswers.map((answer) => (answer.body as { status: string }).status),
      ...typedAnswers.map((outcome) => outcome.status),
    ];
    expect(statuses.filter((status) => status === 'accepted')).toHaveLength(40);
    expect(statuses.filter((status) => status === 'rejected')).toHaveLength(20);
    const completed = await Promise.all(queues.map((queue) => queue.getCompletedCount()));
    for (const count of completed) expect(count).toBeGreaterThan(0);
    expect(completed.reduce((a, b) => a + b, 0)).toBe(60);
    const counts = await t.get('/coupons/PARTS/repeat-counts').expect(200);
    expect(counts.body).toMatchObject({ globalUsed: 40, globalRemaining: 0 });
  });

  it('decides a job a producer put in any partition, and finds it by id over REST', async () => {
    const third = new Queue(REDEMPTION_QUEUE, {
      connection: { url: REDIS_URL },
      prefix: partitionPrefixes(t.config.queuePrefix, 3)[2],
    });
    try {
      // An id that partitionOf sends elsewhere: the REST lookup still finds it.
      const jobId = Array.from({ length: 50 }, (_, i) => `elsewhere-${i}`).find(
        (id) => partitionOf(id, 3) !== 2,
      )!;
      await third.add(
        JobName.Redeem,
        { couponCode: 'PARTS', userId: 'u0', orderId: 'direct-1' },
        { jobId },
      );
      let body: { status?: string; reason?: string } = {};
      for (let i = 0; i < 100 && !['accepted', 'rejected'].includes(body.status ?? ''); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        body = (await t.get(`/redemptions/${jobId}`)).body as typeof body;
      }
      expect(body).toMatchObject({ status: 'rejected', reason: 'GLOBAL_LIMIT_REACHED' });
    } finally {
      await third.close();
    }
  });

  it('reports every partition in /metrics and in health', async () => {
    const metrics = (await t.get('/metrics').expect(200)).text;
    for (const label of ['coupon-redemptions', 'coupon-redemptions-p1', 'coupon-redemptions-p2']) {
      expect(metrics).toContain(`queue_metrics_available{queue="${label}"} 1`);
    }
    const health = await t.get('/health/ready').expect(200);
    expect(health.body).toMatchObject({ details: { worker: { status: 'up' } } });
  });
});
