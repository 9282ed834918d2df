/**
 * Statistics and the console's reads at their edges, on each store (memory, Redis, Redis Cluster),
 * from a hostile review of issue 18. The first describes are bugs (they fail until fixed); the
 * last holds suspicions that held, kept for their coverage.
 */
import { Cluster, Redis } from 'ioredis';
import { DateTime } from 'luxon';
import {
  clusterClient,
  deleteClusterKeys,
  deleteKeys,
  REDIS_URL,
  uniquePrefix,
} from '../../test/helpers.js';
import { coupon } from '../../test/store-contract.js';
import type { Coupon } from '../domain/coupon.js';
import { NOTHING_REMAINING, outcomeKey, rejectedOutcome } from '../domain/outcome.js';
import { periodsAt } from '../domain/periods.js';
import { dayStats, statsFields, type DayStats } from '../domain/stats.js';
import { RedisKeys } from './redis/keys.redis.js';
import { memoryStores, redisStores, type Stores } from './store.factory.js';
import { DEFAULT_STORE_OPTIONS, type StoreOptions } from './store.options.js';

const MINUTE = 60_000;
const DAY_MS = 24 * 3600_000;
const OPTIONS: StoreOptions = {
  ...DEFAULT_STORE_OPTIONS,
  outcomeTtlMs: 168 * 3600_000,
  logTtlMs: 7 * DAY_MS,
};

const clients: (Redis | Cluster)[] = [];
const prefixes: string[] = [];
const clusterPrefixes: string[] = [];

afterAll(async () => {
  await deleteKeys(...prefixes);
  if (clusterPrefixes.length > 0) await deleteClusterKeys(...clusterPrefixes);
  await Promise.all(clients.map((client) => client.quit()));
});

/** A store, and for Redis the client and key names under its prefix. */
interface Made {
  store: Stores;
  redis?: { client: Redis | Cluster; keys: RedisKeys };
}

const onRedis = (client: Redis | Cluster, list: string[], options: StoreOptions): Made => {
  const prefix = uniquePrefix();
  clients.push(client);
  list.push(prefix);
  return {
    store: redisStores(client, { ...options, prefix }),
    redis: { client, keys: new RedisKeys(prefix) },
  };
};

const makers: [string, (options: StoreOptions) => Made][] = [
  ['memory', (options) => ({ store: memoryStores(options) })],
  ['redis', (options) => onRedis(new Redis(REDIS_URL), prefixes, options)],
  ['redis cluster', (options) => onRedis(clusterClient(), clusterPrefixes, options)],
];

/** The steps a test takes on one store, built as the services build them. */
function harness(store: Stores, zone = 'UTC') {
  const create = async (c: Coupon) => {
    expect(await store.coupons.create(c)).toBe(true);
    Object.assign(c, await store.coupons.get(c.code));
    return c;
  };
  const redeem = (c: Coupon, userId: string, orderId: string, now: number) =>
    store.ledger.redeem({
      request: { couponCode: c.code, userId, orderId },
      publication: `pub-${orderId}-${now}`,
      outcomeKey: outcomeKey(orderId, undefined),
      coupon: c,
      periods: periodsAt(now, zone),
      now,
    });
  const reserve = (c: Coupon, userId: string, orderId: string, now: number, ttl: number) =>
    store.ledger.reserve({
      request: { couponCode: c.code, userId, orderId },
      publication: '',
      outcomeKey: outcomeKey(orderId, undefined)!,
      coupon: c,
      periods: periodsAt(now, zone),
      now,
      expiresAt: now + ttl,
    });
  const release = (c: Coupon, userId: string, orderId: string, now: number) =>
    store.ledger.release({ coupon: c.code, orderId, userId, now });
  const rollback = (c: Coupon, userId: string, orderId: string, now: number) =>
    store.ledger.rollback({
      request: { couponCode: c.code, userId, orderId },
      publication: `rb-${orderId}-${now}`,
      outcomeKey: outcomeKey(orderId, undefined)!,
      periods: periodsAt(now, zone),
      now,
    });
  const refuse = (c: Coupon, userId: string, orderId: string, now: number) =>
    store.ledger.recordRejection({
      outcome: rejectedOutcome(
        { couponCode: c.code, userId, orderId },
        'COUPON_INACTIVE',
        NOTHING_REMAINING,
        now,
      ),
      publication: `pub-${orderId}`,
      outcomeKey: outcomeKey(orderId, undefined),
      now,
    });
  const counts = (c: Coupon, now: number) =>
    store.ledger.counts(c.code, undefined, periodsAt(now, zone), now);
  /** The log read at `now`, counted per day of `zone` as the statistics count. */
  const logCounts = async (code: string, days: string[], now: number): Promise<DayStats[]> => {
    const fields = new Map(days.map((day) => [day, {} as Record<string, number>]));
    let cursor: string | undefined;
    do {
      const page = await store.log.list(code, { limit: 100, cursor }, now);
      for (const entry of page.items) {
        const counted = fields.get(periodsAt(Date.parse(entry.at), zone).day);
        if (!counted) continue;
        for (const field of statsFields(entry.status, entry.reason)) {
          counted[field] = (counted[field] ?? 0) + 1;
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return days.map((day) => dayStats(day, fields.get(day)!));
  };
  return { create, redeem, reserve, release, rollback, refuse, counts, logCounts };
}

describe.each(makers)('statistics of a code no coupon can have, %s store', (_name, make) => {
  // Bug: RedisRedemptionStats.days reads `<prefix>:{CODE}:stats:<day>` for whatever code the path
  // names. A code starting with '}' leaves the hash tag empty, so each day's key hashes on its whole
  // name: the days of one query land in several cluster slots, and the pipeline is refused (the
  // HTTP answer is a 500). The other Redis readers (log, report, ledger) answer nothing for a code
  // outside COUPON_CODE_PATTERN; this one does not check.
  it.each(['}', '}X', '}{A}'])('reads zeros for %s, as for any unknown code', async (code) => {
    const { store } = make(OPTIONS);
    const days = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27'];
    await expect(store.stats.days(code, days)).resolves.toEqual(
      days.map((day) => dayStats(day, {})),
    );
  });
});

describe.each(makers)('live holds with the same expiry, %s store', (_name, make) => {
  // Bug: "soonest expiry first, ties by order id" is two different orders. Redis orders equal
  // scores by the member's bytes (UTF-8, that is code point order); MemoryUsageReport.liveHolds
  // sorts ties with JS `<`, which compares UTF-16 code units, so an order id outside the BMP (an
  // emoji, accepted by the reserve DTO's Length(1, 128)) sorts before U+E000-U+FFFF in memory and
  // after them in Redis. With `limit`, the stores then even list different holds.
  it('orders them by order id the same way on every store', async () => {
    const { store } = make(OPTIONS);
    const h = harness(store);
    const c = await h.create(coupon('TIES'));
    const now = Date.parse('2026-11-25T12:00:00Z');
    const orders = ['\u{1F600}-order', '\uFF5E-order', 'z-order'];
    for (const [i, orderId] of orders.entries()) {
      expect(await h.reserve(c, `u${i}`, orderId, now, 15 * MINUTE)).toMatchObject({
        status: 'reserved',
      });
    }
    const page = await store.report.liveHolds(c.code, 10, now);
    // Code point order: z (U+007A) < ～ (U+FF5E) < 😀 (U+1F600), as Redis sorts them.
    expect(page.items.map((hold) => hold.orderId)).toEqual([
      'z-order',
      '\uFF5E-order',
      '\u{1F600}-order',
    ]);
    expect((await store.report.liveHolds(c.code, 2, now)).items.map((x) => x.orderId)).toEqual([
      'z-order',
      '\uFF5E-order',
    ]);
  });
});

describe.each(makers)('suspicions that held: statistics, %s store', (_name, make) => {
  /** Local time `hhmm` on `day` in `zone`, as an instant. */
  const at = (zone: string, day: string, time: string) =>
    DateTime.fromISO(`${day}T${time}`, { zone }).toMillis();

  // Each logging step, around midnight and on a day with a DST change, with callers' clocks
  // behind each other: the statistics equal the log's counts per day of the zone.
  it.each([
    ['Australia/Lord_Howe', '2026-10-03', '2026-10-04', '2026-10-05'], // 10-04: 23.5 hours
    ['America/New_York', '2026-10-31', '2026-11-01', '2026-11-02'], // 11-01: 25 hours
  ])(
    'equal the log per day in %s from %s over the DST change of %s',
    async (zone, day1, day2, day3) => {
      const { store } = make({ ...OPTIONS, timeZone: zone });
      const h = harness(store, zone);
      const c = await h.create(coupon(`DST${day2.slice(5, 7)}`, { globalTotal: 5 }));
      const late1 = at(zone, day1, '23:50');
      const early2 = at(zone, day2, '00:10');
      const late2 = at(zone, day2, '23:45');
      const early3 = at(zone, day3, '00:05');

      expect(await h.redeem(c, 'u1', 'o1', late1)).toMatchObject({ status: 'accepted' });
      expect(await h.reserve(c, 'u2', 'h1', early2, 5 * MINUTE)).toMatchObject({
        status: 'reserved',
      });
      // A caller whose clock is behind: counted in its own (earlier) day, as the log has it.
      expect(await h.redeem(c, 'u3', 'o3', late1 + MINUTE)).toMatchObject({ status: 'accepted' });
      await h.refuse(c, 'u5', 'o5', late1 + 2 * MINUTE);
      expect(await h.rollback(c, 'u1', 'o1', late1 + 3 * MINUTE)).toMatchObject({
        status: 'rolled-back',
      });
      // h1 expired at early2 + 5 min: found by a read of the counts.
      await h.counts(c, early2 + 30 * MINUTE);
      expect(await h.reserve(c, 'u4', 'h2', early2 + 31 * MINUTE, 60 * MINUTE)).toMatchObject({
        status: 'reserved',
      });
      expect(await h.redeem(c, 'u4', 'h2', early2 + 32 * MINUTE)).toMatchObject({
        hold: 'confirmed',
      });
      expect(await h.reserve(c, 'u6', 'h3', late2, 60 * MINUTE)).toMatchObject({
        status: 'reserved',
      });
      expect(await h.release(c, 'u6', 'h3', late2 + MINUTE)).toBe('released');
      expect(await h.reserve(c, 'u7', 'h4', late2 + 2 * MINUTE, 60 * MINUTE)).toMatchObject({
        status: 'reserved',
      });
      // Day 3: two uses counted and h4 held, so the global limit of 5 refuses the third of these.
      expect(await h.redeem(c, 'u8', 'o8', early3)).toMatchObject({ status: 'accepted' });
      expect(await h.redeem(c, 'u9', 'o9', early3 + MINUTE)).toMatchObject({ status: 'accepted' });
      expect(await h.redeem(c, 'u10', 'o10', early3 + 2 * MINUTE)).toMatchObject({
        status: 'rejected',
        reason: 'GLOBAL_LIMIT_REACHED',
      });

      const days = [day1, day2, day3];
      const stats = await store.stats.days(c.code, days);
      expect(stats).toEqual(await h.logCounts(c.code, days, early3 + 3 * MINUTE));
      expect(stats).toEqual([
        {
          ...dayStats(day1, {}),
          accepted: 2,
          rejected: 1,
          rolledBack: 1,
          reasons: { COUPON_INACTIVE: 1 },
        },
        { ...dayStats(day2, {}), reserved: 4, expired: 1, confirmed: 1, released: 1 },
        {
          ...dayStats(day3, {}),
          accepted: 2,
          rejected: 1,
          reasons: { GLOBAL_LIMIT_REACHED: 1 },
        },
      ]);
    },
  );

  it('are not changed by the console’s reads of expired holds', async () => {
    const { store } = make(OPTIONS);
    const h = harness(store);
    const c = await h.create(coupon('READS', { userDaily: 1 }));
    const now = Date.parse('2026-11-25T12:00:00Z');
    const day = periodsAt(now, 'UTC').day;
    await h.reserve(c, 'u1', 'h1', now, MINUTE);
    const later = now + 2 * MINUTE;
    const periods = periodsAt(later, 'UTC');
    const limits = { day: 1, week: null };
    const before = await store.stats.days(c.code, [day]);
    expect(await store.report.liveHolds(c.code, 10, later)).toEqual({ items: [], total: 0 });
    const report = await store.report.busiestUsers(c.code, periods, limits, 10, later);
    expect(report.day.atLimit).toBe(0);
    expect(await store.stats.days(c.code, [day])).toEqual(before);
    expect(before).toEqual([{ ...dayStats(day, {}), reserved: 1 }]);
    // The next counting step finds it expired and records it.
    await h.counts(c, later);
    expect(await store.stats.days(c.code, [day])).toEqual([
      { ...dayStats(day, {}), reserved: 1, expired: 1 },
    ]);
  });
});
