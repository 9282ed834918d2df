import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { CouponClient } from '../packages/client/src/coupon.client.js';
import { partitionPrefixes } from '../packages/client/src/partitions.js';
import { RedemptionQueues } from '../src/jobs/redemption-queues.js';
import { CLUSTER_NODES, clusterConfig, startApp, TOKEN, type TestApp } from './helpers.js';

const schema = (name: string) =>
  JSON.parse(readFileSync(new URL(`../docs/schemas/${name}`, import.meta.url), 'utf8')) as object;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true }));
const validRollbackOutcome = ajv.compile(schema('rollback-outcome.schema.json'));

/**
 * The app in this process on the suite's Redis Cluster: every connection a cluster client (the
 * queue contract's outcomes on a cluster are in queue-contract.spec.ts).
 */
describe('the app on a Redis Cluster (QUEUE_PARTITIONS=3, REDIS_WAIT_REPLICAS=1)', () => {
  let t: TestApp;
  let client: CouponClient;

  beforeAll(async () => {
    t = await startApp(clusterConfig({ queuePartitions: 3, redisWaitReplicas: 1 }));
    client = new CouponClient({
      clusterNodes: CLUSTER_NODES,
      prefix: t.config.queuePrefix,
      partitions: 3,
      waitReplicas: 1,
    });
    await t
      .post('/coupons', {
        code: 'SCHEMA',
        discountPercentage: 12.5,
        expiresAt: '2026-12-31',
        repeatCounts: { userDaily: 1, globalTotal: 50 },
      })
      .expect(201);
    for (const id of ['u1', 'u2', 'u3']) {
      await t.post('/users', { id, name: 'U', email: `${id}@example.com` }).expect(201);
    }
  });
  afterAll(async () => {
    await client.close();
    await t.close();
  });

  it('redeems and rolls back through the typed client on the partitions, with WAIT', async () => {
    const order = { couponCode: 'SCHEMA', userId: 'u2', orderId: 'typed-1' };
    const accepted = await client.redeem(order);
    expect(accepted).toMatchObject({ status: 'accepted' });
    expect(await client.redeem(order)).toEqual(accepted);
    const undone = await client.rollback(order);
    expect(undone.status).toBe('rolled-back');
    expect(validRollbackOutcome(undone)).toBe(true);
  });

  it('serves REST redemptions, lookups, health, metrics and the dashboard for every partition', async () => {
    const answer = await t
      .post('/redemptions', { couponCode: 'SCHEMA', userId: 'u3', orderId: 'rest-1' })
      .expect(201);
    expect(answer.body).toMatchObject({ status: 'accepted' });
    const queues = t.app.get(RedemptionQueues).all;
    expect(queues.map((queue) => queue.opts.prefix)).toEqual(
      partitionPrefixes(t.config.queuePrefix, 3),
    );
    expect(t.config.queuePrefix).toMatch(/^\{.+\}$/);
    await t.get('/health/ready').expect(200);
    const metrics = (await t.get('/metrics').expect(200)).text;
    expect(metrics).toContain('queue_metrics_available{queue="coupon-redemptions-p2"} 1');
    const board = await request(t.app.getHttpServer())
      .get('/queues/api/queues')
      .set('Authorization', `Bearer ${TOKEN}`)
      .expect(200);
    const names = (board.body as { queues: { name: string }[] }).queues.map((queue) => queue.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'coupon-redemptions',
        'p1:coupon-redemptions',
        'p2:coupon-redemptions',
      ]),
    );
  });
});
