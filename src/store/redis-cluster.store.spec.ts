import { Cluster } from 'ioredis';
import { clusterClient, deleteClusterKeys, keysSeen, uniquePrefix } from '../../test/helpers.js';
import {
  coupon,
  describeCouponIndexRaces,
  describeCouponStore,
} from '../../test/store-contract.js';
import { parseNodes, startLocalCluster, type LocalCluster } from '../../test/local-cluster.js';
import { RedisKeys } from './redis/keys.redis.js';
import { redisStores } from './store.factory.js';
import { DEFAULT_STORE_OPTIONS } from './store.options.js';

// The shared test cluster (3 masters, 2 replicas each) that test/global-setup.mjs starts.
const clients: Cluster[] = [];
const prefixes: string[] = [];

describeCouponStore(
  'redis cluster',
  async (options) => {
    const cluster = clusterClient();
    const prefix = uniquePrefix();
    clients.push(cluster);
    prefixes.push(prefix);
    return redisStores(cluster, { prefix, ...options });
  },
  async () => {
    await deleteClusterKeys(...prefixes);
    await Promise.all(clients.map((client) => client.quit()));
  },
  // The default cap of 100,000 is filled on a single Redis (redis.store.spec.ts); here the same
  // script is filled at 5,000, which a cluster's slower round trips finish in seconds.
  { logCap: 5000 },
);

describeCouponIndexRaces('redis cluster', clusterClient, (prefix) => deleteClusterKeys(prefix));

describe('redis store keys on a cluster', () => {
  const cluster = clusterClient();
  const prefix = uniquePrefix();
  const store = redisStores(cluster, {
    ...DEFAULT_STORE_OPTIONS,
    prefix,
    outcomeTtlMs: 3_600_000,
    logTtlMs: 3_600_000,
  });
  const keys = new RedisKeys(prefix);
  const now = Date.now();
  const periods = { day: '2026-11-25', week: '2026-W48' };
  afterAll(async () => {
    await deleteClusterKeys(prefix);
    await cluster.quit();
  });

  /** Creates a coupon and gives it one of every kind of key: usage, windows, an outcome, a log. */
  async function used(code: string) {
    await store.coupons.create(coupon(code, { userDaily: 5 }));
    const request = { couponCode: code, userId: 'u1', orderId: 'o:1' };
    await store.ledger.redeem({
      request,
      publication: '',
      outcomeKey: `order:${request.orderId}`,
      coupon: (await store.coupons.get(code))!,
      periods,
      now,
    });
  }

  /** Every key of this prefix that exists, with the port of the master holding it. */
  async function storedKeys(): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const master of cluster.nodes('master')) {
      for (const key of await master.keys(`${prefix}:*`)) found.set(key, master.options.port!);
    }
    return found;
  }

  it("keeps all of a coupon's keys in one slot, and spreads coupons over every master", async () => {
    const codes = Array.from({ length: 12 }, (_, i) => `SPREAD${i}`);
    for (const code of codes) await used(code);
    const stored = await storedKeys();
    const masters = new Set<number>();
    for (const code of codes) {
      const own = [...stored.keys()].filter((key) => key.startsWith(`${prefix}:{${code}}:`));
      // coupon, used, totals, week, day, newest, windows, outcome, log, user-outcomes, stats
      expect(own).toHaveLength(11);
      const slots = new Set(await Promise.all(own.map((key) => cluster.cluster('KEYSLOT', key))));
      expect(slots.size).toBe(1);
      const ports = new Set(own.map((key) => stored.get(key)));
      expect(ports.size).toBe(1);
      masters.add([...ports][0]!);
    }
    // 12 codes over 3 masters' thirds of the slots: all missing one master has odds (2/3)^12 < 1%,
    // and these codes are fixed, so the outcome is too.
    expect(masters.size).toBe(3);
    // The two code indexes are the only keys outside the coupons' tags.
    expect(
      [...stored.keys()]
        .filter((key) => !codes.some((code) => key.startsWith(`${prefix}:{${code}}:`)))
        .sort(),
    ).toEqual([keys.codeHistory, keys.couponIndex]);
  });

  it('names the keys it writes to the cleanup, so cleanup reaches every master', async () => {
    await used('SEEN');
    const stored = [...(await storedKeys()).keys()];
    expect(stored.length).toBeGreaterThan(0);
    expect(keysSeen(prefix)).toEqual(expect.arrayContaining(stored));
  });
});

describe('redis store on a cluster that loses a master', () => {
  // A cluster of its own: killing a master of the shared one would disturb other test files.
  let local: LocalCluster;
  beforeAll(async () => {
    local = await startLocalCluster({ masters: 3, replicas: 1 });
  }, 60_000);
  afterAll(async () => local?.stop());

  it('serves a coupon from the replica that takes over when its master is SIGKILLed', async () => {
    const cluster = new Cluster(parseNodes(local.nodes), {
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      redisOptions: { connectTimeout: 1000 },
    });
    cluster.on('error', () => {});
    try {
      const prefix = 'failover';
      const store = redisStores(cluster, { ...DEFAULT_STORE_OPTIONS, prefix });
      await store.coupons.create(coupon('FAILOVER'));
      const key = new RedisKeys(prefix).coupon('FAILOVER');
      const master = await local.masterOf(key);
      expect(local.pids).toContain(master.pid);
      // Replication is asynchronous: the replica must have the coupon before its master goes.
      const node = cluster.nodes('master').find((n) => n.options.port === master.port)!;
      expect(await node.wait(1, 5000)).toBe(1);

      process.kill(master.pid!, 'SIGKILL');
      const deadline = Date.now() + 30_000;
      while ((await local.masterOf(key).catch(() => master)).port === master.port) {
        if (Date.now() > deadline) throw new Error('no replica took over in 30 s');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect((await store.coupons.get('FAILOVER'))?.code).toBe('FAILOVER');
      expect(await store.coupons.save(coupon('FAILOVER'), { born: '', version: 1 })).toBe(
        'conflict',
      );
    } finally {
      cluster.disconnect();
    }
  }, 60_000);
});
