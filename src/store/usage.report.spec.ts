import { Redis } from 'ioredis';
import {
  clusterClient,
  deleteClusterKeys,
  deleteKeys,
  REDIS_URL,
  uniquePrefix,
} from '../../test/helpers.js';
import { coupon } from '../../test/store-contract.js';
import type { Coupon } from '../domain/coupon.js';
import { outcomeKey } from '../domain/outcome.js';
import type { Periods } from '../domain/periods.js';
import { codeCipher, nextBatch, type CodeBatch } from '../domain/unique-codes.js';
import type { RedisClient } from './redis/client.redis.js';
import { memoryStores, redisStores, type Stores } from './store.factory.js';
import { DEFAULT_STORE_OPTIONS } from './store.options.js';

/**
 * The usage report and the coupon index's prefix search, through the ports, on each store: what
 * the ledger's steps leave behind reads the same everywhere (test/console-views.e2e.spec.ts covers
 * the HTTP side). Many users and holds make the Redis reads take several HSCAN and ZRANGE batches.
 */
const NOW = Math.floor(Date.now() / 1000) * 1000;
const TODAY: Periods = { day: '2026-11-25', week: '2026-W48' };
const TOMORROW: Periods = { day: '2026-11-26', week: '2026-W48' };
const OPTIONS = { ...DEFAULT_STORE_OPTIONS, outcomeTtlMs: 3_600_000, logTtlMs: 3_600_000 };

const clients: RedisClient[] = [];
const prefixes = { redis: [] as string[], cluster: [] as string[] };
afterAll(async () => {
  await deleteKeys(...prefixes.redis);
  if (prefixes.cluster.length > 0) await deleteClusterKeys(...prefixes.cluster);
  await Promise.all(clients.map((client) => client.quit()));
});

function onRedis(kind: 'redis' | 'cluster'): Stores {
  const client = kind === 'redis' ? new Redis(REDIS_URL) : clusterClient();
  const prefix = uniquePrefix();
  clients.push(client);
  prefixes[kind].push(prefix);
  return redisStores(client, { ...OPTIONS, prefix });
}

describe.each([
  ['memory', () => memoryStores(OPTIONS)],
  ['redis', () => onRedis('redis')],
  ['redis cluster', () => onRedis('cluster')],
] as [string, () => Stores][])('usage report, %s store', (_name, makeStores) => {
  let store: Stores;
  beforeEach(() => {
    store = makeStores();
  });

  const create = async (c: Coupon) => {
    expect(await store.coupons.create(c)).toBe(true);
    return (await store.coupons.get(c.code))!;
  };
  const redeem = async (c: Coupon, userId: string, orderId: string, periods = TODAY) =>
    expect(
      await store.ledger.redeem({
        request: { couponCode: c.code, userId, orderId },
        publication: '',
        outcomeKey: outcomeKey(orderId, undefined),
        coupon: c,
        periods,
        now: NOW,
      }),
    ).toMatchObject({ status: 'accepted' });
  const reserve = async (c: Coupon, userId: string, orderId: string, expiresAt: number) =>
    expect(
      await store.ledger.reserve({
        request: { couponCode: c.code, userId, orderId },
        publication: '',
        outcomeKey: outcomeKey(orderId, undefined)!,
        coupon: c,
        periods: TODAY,
        now: NOW,
        expiresAt,
      }),
    ).toMatchObject({ status: 'reserved' });
  const report = (code: string, top: number, now = NOW, periods = TODAY) =>
    store.report.busiestUsers(code, periods, { day: 3, week: 4 }, top, now);

  it('lists coupons by the start of their code, with the total of those', async () => {
    for (const code of ['SAVE2', 'SAVE10', 'SAVER', 'SALE', 'SAVE', 'XSAVE']) {
      await create(coupon(code));
    }
    const codes = async (offset: number, limit: number, prefix?: string) => {
      const page = await store.coupons.list(offset, limit, prefix);
      return { codes: page.items.map((c) => c.code), total: page.total };
    };
    expect(await codes(0, 10, 'SAVE')).toEqual({
      codes: ['SAVE', 'SAVE10', 'SAVE2', 'SAVER'],
      total: 4,
    });
    expect(await codes(1, 2, 'SAVE')).toEqual({ codes: ['SAVE10', 'SAVE2'], total: 4 });
    expect(await codes(0, 10, 'SAVE1')).toEqual({ codes: ['SAVE10'], total: 1 });
    expect(await codes(0, 10, 'SAVE10X')).toEqual({ codes: [], total: 0 });
    expect(await codes(0, 10, 'SA')).toEqual({
      codes: ['SALE', 'SAVE', 'SAVE10', 'SAVE2', 'SAVER'],
      total: 5,
    });
    expect(await codes(0, 2)).toEqual({ codes: ['SALE', 'SAVE'], total: 6 });
    // A deleted coupon leaves the prefix's total.
    await store.coupons.delete('SAVE2');
    expect(await codes(0, 10, 'SAVE')).toEqual({ codes: ['SAVE', 'SAVE10', 'SAVER'], total: 3 });
  });

  it('ranks the busiest of many users and counts those at the limits, holds included', async () => {
    const c = await create(coupon('MANY'));
    const users = 1500;
    for (let i = 0; i < users; i++) await redeem(c, `u${String(i).padStart(4, '0')}`, `o${i}`);
    await redeem(c, 'u0700', 'x1');
    await redeem(c, 'u0700', 'x2');
    await redeem(c, 'u0300', 'x3');
    await redeem(c, 'u0300', 'x4');
    await redeem(c, 'u0900', 'x5');
    await reserve(c, 'u0900', 'h1', NOW + 60_000); // 2 counted + 1 held: at the daily 3
    await reserve(c, 'u0001', 'h2', NOW + 60_000);
    await reserve(c, 'u0001', 'h3', NOW + 60_000);
    await reserve(c, 'nobody', 'h4', NOW + 60_000);
    await reserve(c, 'nobody', 'h5', NOW + 60_000);
    await reserve(c, 'nobody', 'h6', NOW + 60_000); // holds alone: at the daily 3
    const { day, week } = await report('MANY', 4);
    expect(day).toEqual({
      period: TODAY.day,
      limit: 3,
      atLimit: 5, // u0300 and u0700 (3 counted), u0900 (2 + 1), u0001 (1 + 2), nobody (0 + 3)
      users: [
        { userId: 'u0300', used: 3 },
        { userId: 'u0700', used: 3 },
        { userId: 'u0900', used: 2 },
        { userId: 'u0000', used: 1 },
      ],
    });
    expect(week).toEqual({ ...day, period: TODAY.week, limit: 4, atLimit: 0 });

    // At their expiry the holds count no more, though nothing has dropped them yet.
    const later = await report('MANY', 1, NOW + 60_000);
    expect(later.day).toMatchObject({ atLimit: 2, users: [{ userId: 'u0300', used: 3 }] });
  });

  it('skips expired holds that no step has dropped yet, however many, and drops none itself', async () => {
    const c = await create(coupon('EXPIRY'));
    const holds = 1005;
    for (let i = 0; i < holds; i++) await reserve(c, `h${i}`, `o${i}`, NOW + 1000 + (i % 3));
    await reserve(c, 'last', 'z', NOW + 5000);
    const limits = { day: 1, week: null };
    const read = (now: number) => store.report.busiestUsers('EXPIRY', TODAY, limits, 5, now);
    expect((await read(NOW)).day.atLimit).toBe(holds + 1);
    expect((await read(NOW)).week.atLimit).toBe(0);
    expect((await read(NOW + 1002)).day.atLimit).toBe(1);

    const page = await store.report.liveHolds('EXPIRY', 3, NOW);
    expect(page.total).toBe(holds + 1);
    // Equal expiries in order id order, as Redis orders equal scores.
    expect(page.items).toEqual(
      ['0', '1002', '102'].map((n) => ({
        orderId: `o${n}`,
        userId: `h${n}`,
        reservedAt: NOW,
        expiresAt: NOW + 1000,
      })),
    );
    expect(await store.report.liveHolds('EXPIRY', 10, NOW + 1002)).toEqual({
      total: 1,
      items: [{ orderId: 'z', userId: 'last', reservedAt: NOW, expiresAt: NOW + 5000 }],
    });
    expect(await store.report.liveHolds('EXPIRY', 10, NOW + 5000)).toEqual({ total: 0, items: [] });
    // The reads dropped nothing: the next counting step finds every hold expired.
    expect(store.ledger.expiredHolds).toBe(0);
    await store.ledger.counts('EXPIRY', undefined, TODAY, NOW + 5000);
    expect(store.ledger.expiredHolds).toBe(holds + 1);
  });

  it('reads the window counts where a count would land: the newest periods counted in', async () => {
    const c = await create(coupon('AHEAD'));
    await redeem(c, 'early', 'o1', TODAY);
    // Another process's clock is a day ahead: counts go to its day from then on.
    await redeem(c, 'ahead', 'o2', TOMORROW);
    const { day, week } = await report('AHEAD', 10);
    expect(day).toMatchObject({ period: TOMORROW.day, users: [{ userId: 'ahead', used: 1 }] });
    expect(week).toMatchObject({
      period: TODAY.week,
      users: [
        { userId: 'ahead', used: 1 },
        { userId: 'early', used: 1 },
      ],
    });
  });

  it('counts the used codes of each batch, however many, a code rolled back or revoked as used only with uses', async () => {
    const batches: CodeBatch[] = [];
    for (const count of [1500, 10, 5]) {
      batches.push(nextBatch(batches, { count, usesPerCode: 2 }, NOW) as CodeBatch);
    }
    const secret = '5e'.repeat(32);
    const c = await create({ ...coupon('CODES'), codes: { secret, batches } });
    const codes = codeCipher(secret).bodies(0, 1515);
    const use = async (index: number, orderId: string) =>
      expect(
        await store.ledger.redeem({
          request: { couponCode: `CODES-${codes[index]}`, coupon: 'CODES', userId: 'u', orderId },
          publication: '',
          outcomeKey: outcomeKey(orderId, undefined),
          coupon: c,
          uniqueCode: { index, limit: 2 },
          periods: TODAY,
          now: NOW,
        }),
      ).toMatchObject({ status: 'accepted' });
    const used = (code = 'CODES') => store.report.usedCodesPerBatch(code, batches);
    expect(await used()).toEqual([0, 0, 0]);

    // More used codes than one HSCAN batch of 1000 reads; code 0 is used twice, counted once.
    for (let i = 0; i < 1200; i++) await use(i, `a${i}`);
    await use(0, 'again');
    // Batch 2: two codes used, then one of them given back by a rollback.
    await use(1500, 'b1');
    await use(1501, 'b2');
    expect(
      await store.ledger.rollback({
        request: { couponCode: 'CODES', userId: 'u', orderId: 'b2' },
        publication: 'rb',
        outcomeKey: outcomeKey('b2', undefined)!,
        periods: TODAY,
        now: NOW,
      }),
    ).toMatchObject({ status: 'rolled-back' });
    // Batch 3: one code revoked unused, one revoked after a use.
    await use(1511, 'c1');
    expect(await store.ledger.revokeCode(c, 1510, NOW)).toBe('revoked');
    expect(await store.ledger.revokeCode(c, 1511, NOW)).toBe('revoked');

    expect(await used()).toEqual([1200, 1, 1]);
    expect(await store.report.usedCodesPerBatch('CODES', batches.slice(1))).toEqual([1, 1]);
    expect(await used('NOPE')).toEqual([0, 0, 0]);
    // A code no coupon can have (its hash tag would be empty): 0s, not an error on a cluster.
    expect(await used('}X')).toEqual([0, 0, 0]);
  });

  it('reports nothing of a coupon without usage', async () => {
    await create(coupon('QUIET'));
    expect(await report('QUIET', 10)).toEqual({
      day: { period: TODAY.day, limit: 3, atLimit: 0, users: [] },
      week: { period: TODAY.week, limit: 4, atLimit: 0, users: [] },
    });
    expect(await store.report.liveHolds('QUIET', 10, NOW)).toEqual({ total: 0, items: [] });
  });
});
