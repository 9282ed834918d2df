import { setTimeout as sleep } from 'node:timers/promises';
import { parseNodes, startLocalCluster, type LocalCluster } from './local-cluster.js';
import { clusterConfig, startApp, type TestApp } from './helpers.js';

/**
 * REDIS_WAIT_REPLICAS: a REST publish whose WAIT is not acknowledged in time is queued and decided
 * all the same. Answered 503 "try again" (as it was, found by review), a request without an
 * orderId counted a use per retry; it is answered with its decision instead.
 */
describe('REST publish with REDIS_WAIT_REPLICAS=1 while the queue master’s replica lags', () => {
  let cluster: LocalCluster;
  let t: TestApp | undefined;
  let stopped: number | undefined;

  beforeAll(async () => {
    cluster = await startLocalCluster({ masters: 3, replicas: 1 });
  }, 60_000);

  afterAll(async () => {
    if (stopped) process.kill(stopped, 'SIGCONT');
    await t?.close();
    await cluster?.stop();
  });

  it('answers a publish not yet on a replica with its decision, so what is counted was answered', async () => {
    const queueTag = 'reviewq';
    const queueMaster = await cluster.masterOf(`{${queueTag}}`);
    let code = '';
    for (let i = 0; i < 50 && !code; i++) {
      if ((await cluster.masterOf(`{REVIEW${i}}`)).port !== queueMaster.port) code = `REVIEW${i}`;
    }
    t = await startApp(
      clusterConfig({
        redisClusterNodes: parseNodes(cluster.nodes),
        queuePrefix: `{${queueTag}}`,
        redisWaitReplicas: 1,
        redisWaitTimeoutMs: 200,
        redemptionWaitMs: 3000,
      }),
    );
    await t.post('/coupons', { code, discountPercentage: 10, expiresAt: '2099-12-31' }).expect(201);
    await t.post('/users', { id: 'alice', name: 'Alice', email: 'alice@example.com' }).expect(201);

    // The queue's master loses its replica for a moment (a lagging or restarting replica).
    const shard = await cluster.shardOf(await cluster.slotOf(`{${queueTag}}`));
    stopped = shard.replicas[0]!.pid!;
    process.kill(stopped, 'SIGSTOP');

    const answers: number[] = [];
    for (let i = 0; i < 2; i++) {
      const answer = await t.post('/redemptions', { couponCode: code, userId: 'alice' });
      answers.push(answer.status);
    }
    process.kill(stopped, 'SIGCONT');
    stopped = undefined;
    await sleep(1500);
    const used = (await t.get(`/coupons/${code}/repeat-counts`).expect(200)).body as {
      globalUsed: number;
    };
    // Decided (the coupon's own shard has its replica) and counted as answered.
    expect(answers).toEqual([201, 201]);
    expect(used.globalUsed).toBe(2);
  }, 60_000);
});
