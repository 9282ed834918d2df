import { Cluster, Redis } from 'ioredis';
import { outcomeKey } from '../domain/outcome.js';
import { CLUSTER_NODES, deleteClusterKeys, uniquePrefix } from '../../test/helpers.js';
import { parseNodes } from '../../test/local-cluster.js';
import { coupon } from '../../test/store-contract.js';
import { redisStores } from './store.factory.js';
import { DEFAULT_STORE_OPTIONS } from './store.options.js';
import type { RedeemAttempt } from './usage.ledger.js';

/**
 * Review of issue 15 (REDIS_WAIT_REPLICAS): runReplicated sends [SET mark, EVALSHA redeem, WAIT] in
 * one pipeline. When the node answers NOSCRIPT (its script cache was flushed: SCRIPT FLUSH, a
 * restart the socket survived...), ioredis re-sends the script as a separate command, which the
 * node runs after the WAIT. The WAIT then covered only the mark, yet its count is taken as the
 * acknowledgement of the acceptance.
 */
describe('REDIS_WAIT_REPLICAS after the node lost its script cache', () => {
  it('waits for the replicas after the redeem script, not before it', async () => {
    const cluster = new Cluster(parseNodes(CLUSTER_NODES));
    const prefix = uniquePrefix();
    const monitors: Redis[] = [];
    try {
      const store = redisStores(cluster, {
        ...DEFAULT_STORE_OPTIONS,
        prefix,
        outcomeTtlMs: 3600_000,
        logTtlMs: 0,
        waitReplicas: 2,
        waitTimeoutMs: 500,
      });
      await store.coupons.create(coupon('NOSCRIPT', { globalTotal: 5 }));
      const created = (await store.coupons.get('NOSCRIPT'))!;
      const attempt = (orderId: string): RedeemAttempt => ({
        request: { couponCode: 'NOSCRIPT', userId: 'u1', orderId },
        publication: '',
        outcomeKey: outcomeKey(orderId, undefined),
        coupon: created,
        periods: { day: '2026-12-01', week: '2026-W49' },
        now: Date.now(),
      });
      // The socket to the coupon's master has the script loaded now.
      expect(await store.ledger.redeem(attempt('o1'))).toMatchObject({ status: 'accepted' });

      const seen: string[] = [];
      for (const node of cluster.nodes('master')) {
        await node.script('FLUSH');
        const client = new Redis({ host: node.options.host, port: node.options.port });
        const monitor = await client.monitor();
        monitors.push(client, monitor);
        monitor.on('monitor', (_time: string, args: string[]) => {
          const name = String(args[0]).toLowerCase();
          if (
            name === 'wait' ||
            ((name === 'eval' || name === 'evalsha') &&
              args.some((a) => String(a).includes(`${prefix}:{NOSCRIPT}:used`)))
          )
            seen.push(name === 'wait' ? 'wait' : 'redeem');
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));

      expect(await store.ledger.redeem(attempt('o2'))).toMatchObject({ status: 'accepted' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      // The redeem that counted the use (the last one run) must come before the WAIT that
      // acknowledged it.
      expect(seen.lastIndexOf('redeem')).toBeLessThan(seen.lastIndexOf('wait'));
    } finally {
      for (const monitor of monitors) monitor.disconnect();
      await deleteClusterKeys(prefix);
      await cluster.quit();
    }
  }, 20_000);
});
