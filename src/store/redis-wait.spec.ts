import { Cluster, Redis } from 'ioredis';
import { NotReplicatedError } from '@coupon-code-service/client/internal';
import { outcomeKey } from '../domain/outcome.js';
import {
  CLUSTER_NODES,
  deleteClusterKeys,
  deleteKeys,
  REDIS_URL,
  uniquePrefix,
} from '../../test/helpers.js';
import { parseNodes } from '../../test/local-cluster.js';
import { coupon } from '../../test/store-contract.js';
import { redisStores, type Stores } from './store.factory.js';
import { DEFAULT_STORE_OPTIONS } from './store.options.js';
import type { RedeemAttempt } from './usage.ledger.js';

const NOW = Date.now();

async function storeWith(redis: Redis | Cluster, prefix: string, waitReplicas: number) {
  const store = redisStores(redis, {
    ...DEFAULT_STORE_OPTIONS,
    prefix,
    outcomeTtlMs: 3600_000,
    logTtlMs: 0,
    waitReplicas,
    waitTimeoutMs: 100,
  });
  await store.coupons.create(coupon('WAITED', { globalTotal: 1 }));
  const created = (await store.coupons.get('WAITED'))!;
  const attempt = (orderId: string): RedeemAttempt => ({
    request: { couponCode: 'WAITED', userId: 'u1', orderId },
    publication: '',
    outcomeKey: outcomeKey(orderId, undefined),
    coupon: created,
    periods: { day: '2026-12-01', week: '2026-W49' },
    now: NOW,
  });
  return { store, attempt };
}

const used = async (store: Stores) =>
  (await store.ledger.usage('WAITED', undefined, { day: '', week: '' })).globalTotal;

describe('REDIS_WAIT_REPLICAS in the Redis store', () => {
  it('fails an acceptance no replica acknowledged, also when it is replayed, but returns rejections', async () => {
    const redis = new Redis(REDIS_URL); // the test Redis has no replicas
    const prefix = uniquePrefix();
    try {
      const { store, attempt } = await storeWith(redis, prefix, 1);
      await expect(store.ledger.redeem(attempt('o1'))).rejects.toThrow(NotReplicatedError);
      // Counted on this server all the same: a retry replays it, and is refused the same way.
      expect(await used(store)).toBe(1);
      await expect(store.ledger.redeem(attempt('o1'))).rejects.toThrow(
        '0 of 1 replicas acknowledged the decision within 100 ms',
      );
      expect(await store.ledger.redeem(attempt('o2'))).toMatchObject({
        status: 'rejected',
        reason: 'GLOBAL_LIMIT_REACHED',
      });
    } finally {
      await deleteKeys(prefix);
      await redis.quit();
    }
  });

  it('returns an acceptance once the replicas of the coupon’s master hold it (cluster)', async () => {
    const cluster = new Cluster(parseNodes(CLUSTER_NODES));
    const another = new Cluster(parseNodes(CLUSTER_NODES));
    const prefix = uniquePrefix();
    try {
      const { store, attempt } = await storeWith(cluster, prefix, 2);
      expect(await store.ledger.redeem(attempt('o1'))).toMatchObject({ status: 'accepted' });
      // Replayed through another connection, which has written nothing there: waited for too.
      const { store: other } = await storeWith(another, prefix, 2);
      expect(await other.ledger.redeem(attempt('o1'))).toMatchObject({ status: 'accepted' });
      const { store: demanding } = await storeWith(cluster, prefix, 3);
      await expect(demanding.ledger.redeem(attempt('o1'))).rejects.toThrow(
        '2 of 3 replicas acknowledged',
      );
    } finally {
      await deleteClusterKeys(prefix);
      await Promise.all([cluster.quit(), another.quit()]);
    }
  });
});
