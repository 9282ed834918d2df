import { setTimeout as sleep } from 'node:timers/promises';
import { parseNodes, startLocalCluster, type LocalCluster } from './local-cluster.js';
import { clusterConfig, startApp, type TestApp } from './helpers.js';

/**
 * Review of issue 15 (REDIS_WAIT_REPLICAS): a REST publish whose WAIT is not acknowledged in time
 * answers 503 "Redis is unavailable; try again", though the job was added and is decided (and
 * counted) all the same. A request without an orderId has a fresh job id each time, so a client
 * that does as it is told counts a use per retry while it was only ever answered 503.
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

  it('does not count a use for a request it answered 503 to', async () => {
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
      answers.push((await t.post('/redemptions', { couponCode: code, userId: 'alice' })).status);
    }
    process.kill(stopped, 'SIGCONT');
    stopped = undefined;
    await sleep(1500);
    const used = (await t.get(`/coupons/${code}/repeat-counts`).expect(200)).body as {
      globalUsed: number;
    };
    expect(answers).toEqual([503, 503]);
    // Two requests answered "unavailable; try again", and none of them should have counted.
    expect(used.globalUsed).toBe(0);
  }, 60_000);
});
