import type { Cluster, Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { UNLIMITED, type Coupon, type Limit, type RepeatCounts } from '../src/domain/coupon.js';
import { codeCipher, nextBatch, placeCode, type CodeBatch } from '../src/domain/unique-codes.js';
import {
  NOTHING_REMAINING,
  outcomeKey,
  rejectedOutcome,
  type RedemptionOutcome,
} from '../src/domain/outcome.js';
import { periodsAt, type Periods } from '../src/domain/periods.js';
import { dayStats, statsFields } from '../src/domain/stats.js';
import type { User } from '../src/domain/user.js';
import type { LogEntry, LogQuery } from '../src/store/redemption.log.js';
import { RedisKeys } from '../src/store/redis/keys.redis.js';
import { redisStores, type Stores } from '../src/store/store.factory.js';
import { DEFAULT_STORE_OPTIONS, type StoreOptions } from '../src/store/store.options.js';
import {
  STALE_COUPON,
  type RedeemAttempt,
  type ReleaseAttempt,
  type ReserveAttempt,
  type RollbackAttempt,
  type UsageLedger,
} from '../src/store/usage.ledger.js';
import type { ReservationOutcome } from '../src/redemptions/redemption.contract.js';

// Both stores keep outcomes by the caller's clock, and Redis also drops them at that instant by
// its own: the suite's clock stays near the real one. Periods are labels the caller passes.
const NOW = Math.floor(Date.now() / 1000) * 1000;
const OUTCOME_TTL_MS = 168 * 3600_000;
const LOG_TTL_MS = 7 * 24 * 3600_000;
const TODAY: Periods = { day: '2026-11-25', week: '2026-W48' };
const TOMORROW: Periods = { day: '2026-11-26', week: '2026-W48' };
const NEXT_MONDAY: Periods = { day: '2026-11-30', week: '2026-W49' };

export function coupon(code: string, limits: Partial<RepeatCounts> = {}): Coupon {
  return {
    code,
    discountPercentage: 15,
    startsAt: null,
    expiresAt: Date.parse('2027-01-31T23:59:59.999Z'),
    active: true,
    description: null,
    repeatCounts: { ...UNLIMITED, ...limits },
    createdAt: NOW,
    updatedAt: NOW,
    born: '',
    version: 1,
  };
}

/** Gives `c` one batch of `count` unique codes, `usesPerCode` uses each, under a new secret. */
export function withCodes(c: Coupon, count: number, usesPerCode: Limit): Coupon {
  const batch = nextBatch([], { count, usesPerCode }, NOW) as CodeBatch;
  c.codes = { secret: randomBytes(32).toString('hex'), batches: [batch] };
  return c;
}

/** The unique code at `index` of the coupon's codes. */
const uniqueCode = (c: Coupon, index: number) =>
  `${c.code}-${codeCipher(c.codes!.secret).body(index)}`;

const user = (id: string, email = `${id}@example.com`): User => ({
  id,
  name: id,
  email,
  createdAt: NOW,
});

/** A log page's entries, oldest first, as "user order status reason". */
const summaryOf = (page: { items: LogEntry[] }) =>
  page.items
    .map((e) => [e.userId, e.orderId, e.status, e.reason].filter(Boolean).join(' '))
    .reverse();

/** The behaviour every store must have, through its four ports; run against each implementation. */
export function describeCouponStore(
  name: string,
  makeStore: (options: StoreOptions) => Promise<Stores>,
  cleanup?: () => Promise<void>,
  /** The log cap the bounded-state test fills twice over (a cluster's round trips are slower). */
  { logCap = DEFAULT_STORE_OPTIONS.logMaxEntries }: { logCap?: number } = {},
) {
  describe(`${name} store contract`, () => {
    let store: Stores;
    beforeEach(async () => {
      store = await makeStore({
        ...DEFAULT_STORE_OPTIONS,
        outcomeTtlMs: OUTCOME_TTL_MS,
        logTtlMs: LOG_TTL_MS,
      });
    });
    afterAll(async () => cleanup?.());

    /** Creates the coupon and gives `c` the identity (born, version) the store gave it. */
    const create = async (c: Coupon) => {
      const created = await store.coupons.create(c);
      if (created) Object.assign(c, await store.coupons.get(c.code));
      return created;
    };
    const recordRejection = (key: string | undefined, outcome: RedemptionOutcome, now = NOW) =>
      store.ledger.recordRejection({ outcome, outcomeKey: key, publication: '', now });

    const attempt = (
      c: Coupon,
      userId: string,
      orderId?: string,
      periods = TODAY,
    ): RedeemAttempt => ({
      request: { couponCode: c.code, userId, ...(orderId !== undefined && { orderId }) },
      publication: '',
      outcomeKey: outcomeKey(orderId, undefined),
      coupon: c,
      periods,
      now: NOW,
    });

    describe('coupons', () => {
      it('creates once per code and reads back what it stored', async () => {
        expect(await create(coupon('AAA'))).toBe(true);
        expect(await create({ ...coupon('AAA'), discountPercentage: 50 })).toBe(false);
        expect(await store.coupons.get('AAA')).toEqual({
          ...coupon('AAA'),
          born: expect.any(String),
        });
        expect(await store.coupons.get('NOPE')).toBeUndefined();
      });

      it('hands out copies: changing what it returned changes nothing stored', async () => {
        const given = coupon('AAA', { userDaily: 1 });
        await create(given);
        given.repeatCounts.userDaily = 99;
        const read = (await store.coupons.get('AAA'))!;
        read.repeatCounts.userDaily = 99;
        read.active = false;
        (await store.coupons.list(0, 1)).items[0]!.repeatCounts.userDaily = 99;
        expect(await store.coupons.get('AAA')).toEqual({
          ...coupon('AAA', { userDaily: 1 }),
          born: given.born,
        });
        await store.users.create(user('u1'));
        (await store.users.get('u1'))!.name = 'changed';
        expect(await store.users.get('u1')).toEqual(user('u1'));
      });

      it('lists by code, a page at a time', async () => {
        for (const code of ['CCC', 'AAA', 'BBB']) await create(coupon(code));
        const page = await store.coupons.list(1, 1);
        expect(page.total).toBe(3);
        expect(page.items.map((c) => c.code)).toEqual(['BBB']);
      });

      it('saves only over the version it was read at, and bumps the version', async () => {
        const c = coupon('AAA');
        await create(c);
        expect(await store.coupons.save({ ...c, discountPercentage: 20 }, c)).toBe('saved');
        expect(await store.coupons.get('AAA')).toMatchObject({
          discountPercentage: 20,
          version: 2,
        });
        expect(await store.coupons.save({ ...c, discountPercentage: 30 }, c)).toBe('conflict');
        expect(await store.coupons.save(coupon('NOPE'), c)).toBe('not-found');
      });

      it('never gives a re-created code an identity an old read could still hold', async () => {
        const c = coupon('AAA', { globalTotal: 1000 });
        await create(c);
        const read = (await store.coupons.get('AAA'))!;
        await store.coupons.delete('AAA');
        await create(coupon('AAA', { globalTotal: 0 }));
        const again = (await store.coupons.get('AAA'))!;
        expect(again.version).toBe(read.version);
        expect(again.born).not.toBe(read.born);
        expect(await store.coupons.save({ ...again, discountPercentage: 1 }, read)).toBe(
          'conflict',
        );
        expect(await store.ledger.redeem(attempt(read, 'u1', 'o1'))).toBe(STALE_COUPON);
        expect((await store.ledger.usage('AAA', undefined, TODAY)).globalTotal).toBe(0);
      });

      it('deletes a coupon with its usage, keeping the first outcomes of its orders', async () => {
        const c = coupon('AAA');
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        expect(await store.coupons.delete('AAA')).toBe(true);
        expect(await store.coupons.delete('AAA')).toBe(false);
        await create(c);
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toEqual({
          globalTotal: 0,
          userTotal: 0,
          userWeekly: 0,
          userDaily: 0,
        });
        expect(await store.ledger.findOutcome('AAA', 'order:o1', NOW)).toMatchObject({
          status: 'accepted',
        });
      });
    });

    describe('users', () => {
      it('refuses a taken id and a taken email in any case', async () => {
        expect(await store.users.create(user('u1', 'Ann@Example.com'))).toBe('created');
        expect(await store.users.create(user('u1', 'other@example.com'))).toBe('id-taken');
        expect(await store.users.create(user('u2', 'ann@example.COM'))).toBe('email-taken');
        expect(await store.users.get('u1')).toEqual(user('u1', 'Ann@Example.com'));
        expect(await store.users.list(0, 10)).toEqual({
          items: [user('u1', 'Ann@Example.com')],
          total: 1,
        });
      });
    });

    describe('admin: changing and erasing users, forgiving uses', () => {
      it('changes a name and an email, keeping emails unique in any letter case', async () => {
        await store.users.create(user('u1', 'ann@example.com'));
        await store.users.create(user('u2', 'bob@example.com'));
        expect(await store.users.update('u1', { name: 'Ann B' })).toEqual({
          ...user('u1', 'ann@example.com'),
          name: 'Ann B',
        });
        expect(await store.users.update('u1', { email: 'BOB@example.com' })).toBe('email-taken');
        expect(await store.users.update('u1', { email: 'ANN@example.com' })).toMatchObject({
          email: 'ANN@example.com',
        });
        expect(await store.users.update('u1', { email: 'ann2@example.com' })).toMatchObject({
          name: 'Ann B',
          email: 'ann2@example.com',
        });
        expect(await store.users.update('nobody', { name: 'X' })).toBe('not-found');
        // The old email is free again, the new one taken.
        expect(await store.users.create(user('u3', 'Ann@Example.com'))).toBe('created');
        expect(await store.users.create(user('u4', 'ANN2@example.com'))).toBe('email-taken');
        expect(await store.users.get('u1')).toEqual({
          ...user('u1', 'ann2@example.com'),
          name: 'Ann B',
        });
      });

      it('deletes a user and frees their email', async () => {
        await store.users.create(user('u1', 'Ann@example.com'));
        await store.users.create(user('u2'));
        expect(await store.users.delete('u1')).toBe(true);
        expect(await store.users.delete('u1')).toBe(false);
        expect(await store.users.get('u1')).toBeUndefined();
        expect(await store.users.list(0, 10)).toEqual({ items: [user('u2')], total: 1 });
        expect(await store.users.create(user('u5', 'ann@EXAMPLE.com'))).toBe('created');
      });

      it("forgives one user's counts on one coupon, in every period, keeping the global count and outcomes", async () => {
        const c = coupon('AAA', { userTotal: 2, userDaily: 1 });
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        await store.ledger.redeem(attempt(c, 'u1', 'o2', TOMORROW));
        await store.ledger.redeem(attempt(c, 'u2', 'o3', TOMORROW));
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o4', TOMORROW))).toMatchObject({
          reason: 'USER_TOTAL_LIMIT_REACHED',
        });
        // user total, the week, and two days
        expect(await store.ledger.forgive('AAA', 'u1')).toBe(4);
        expect(await store.ledger.usage('AAA', 'u1', TOMORROW)).toEqual({
          globalTotal: 3,
          userTotal: 0,
          userWeekly: 0,
          userDaily: 0,
        });
        expect(await store.ledger.usage('AAA', 'u2', TOMORROW)).toEqual({
          globalTotal: 3,
          userTotal: 1,
          userWeekly: 1,
          userDaily: 1,
        });
        expect(await store.ledger.findOutcome('AAA', 'order:o1', NOW)).toMatchObject({
          status: 'accepted',
        });
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o5', TOMORROW))).toMatchObject({
          status: 'accepted',
          remaining: { userTotal: 1, userDaily: 0 },
        });
        expect(await store.ledger.forgive('AAA', 'nobody')).toBe(0);
        expect(await store.ledger.forgive('NOPE', 'u1')).toBe(0);
      });

      it("erases a user's counters, outcomes and log entries on every coupon, deleted ones too, and nothing of others", async () => {
        const a = coupon('AAA', { userDaily: 1 });
        const b = coupon('BBB');
        await create(a);
        await create(b);
        await store.ledger.redeem(attempt(a, 'u1', 'o1'));
        await store.ledger.redeem(attempt(a, 'u1', 'o2')); // refused for the day, kept
        await store.ledger.redeem(attempt(a, 'u2', 'o3'));
        await store.ledger.redeem(attempt(b, 'u1', 'o4'));
        await store.coupons.delete('BBB'); // its outcomes and log outlive it
        expect(await store.ledger.eraseUser('u1', NOW)).toEqual({
          usageCounters: 3,
          outcomes: 3,
          logEntries: 3,
        });
        for (const [code, order] of [
          ['AAA', 'o1'],
          ['AAA', 'o2'],
          ['BBB', 'o4'],
        ] as const) {
          expect(await store.ledger.findOutcome(code, `order:${order}`, NOW)).toBeUndefined();
        }
        expect(await store.ledger.findOutcome('AAA', 'order:o3', NOW)).toMatchObject({
          userId: 'u2',
        });
        expect(summaryOf(await store.log.list('AAA', { limit: 20 }, NOW))).toEqual([
          'u2 o3 accepted',
        ]);
        expect((await store.log.list('BBB', { limit: 20 }, NOW)).items).toEqual([]);
        // The global count keeps the erased user's use (ledger.ERASURE_KEEPS_GLOBAL_USED).
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toEqual({
          globalTotal: 2,
          userTotal: 0,
          userWeekly: 0,
          userDaily: 0,
        });
        expect(await store.ledger.usage('AAA', 'u2', TODAY)).toMatchObject({ userDaily: 1 });
        // The order's outcome is gone: it cannot be rolled back, and a new publish is decided afresh.
        expect(
          await store.ledger.rollback({
            request: { couponCode: 'AAA', userId: 'u1', orderId: 'o1' },
            publication: '',
            outcomeKey: 'order:o1',
            periods: TODAY,
            now: NOW,
          }),
        ).toEqual({ status: 'not-found' });
        expect(await store.ledger.eraseUser('u1', NOW)).toEqual({
          usageCounters: 0,
          outcomes: 0,
          logEntries: 0,
        });
      });
    });

    describe('redeem', () => {
      it('counts one use on every counter and reports what is left', async () => {
        const c = coupon('AAA', { globalTotal: 10, userTotal: 5, userWeekly: 4, userDaily: 3 });
        await create(c);
        const outcome = await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        expect(outcome).toMatchObject({
          status: 'accepted',
          couponCode: 'AAA',
          userId: 'u1',
          orderId: 'o1',
          discountPercentage: 15,
          remaining: { globalTotal: 9, userTotal: 4, userWeekly: 3, userDaily: 2 },
        });
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toEqual({
          globalTotal: 1,
          userTotal: 1,
          userWeekly: 1,
          userDaily: 1,
        });
        expect(await store.ledger.usage('AAA', undefined, TODAY)).toEqual({
          globalTotal: 1,
          userTotal: 0,
          userWeekly: 0,
          userDaily: 0,
        });
      });

      it('accepts up to a limit exactly and names the first full counter', async () => {
        const c = coupon('AAA', { userTotal: 3, userDaily: 2 });
        await create(c);
        const outcomes: Awaited<ReturnType<UsageLedger['redeem']>>[] = [];
        for (let i = 0; i < 4; i++)
          outcomes.push(await store.ledger.redeem(attempt(c, 'u1', `o${i}`)));
        expect(outcomes.map((o) => (o === STALE_COUPON ? o : (o.reason ?? o.status)))).toEqual([
          'accepted',
          'accepted',
          'USER_DAILY_LIMIT_REACHED',
          'USER_DAILY_LIMIT_REACHED',
        ]);
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toMatchObject({
          globalTotal: 2,
          userDaily: 2,
        });
      });

      it('checks the limits it is given in reason order', async () => {
        const c = coupon('AAA', { globalTotal: 1, userTotal: 1, userWeekly: 1, userDaily: 1 });
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1'));
        expect(await store.ledger.redeem(attempt(c, 'u1'))).toMatchObject({
          reason: 'GLOBAL_LIMIT_REACHED',
        });
        const userLimits = { ...c, repeatCounts: { ...c.repeatCounts, globalTotal: null } };
        expect(await store.ledger.redeem(attempt(userLimits, 'u1'))).toMatchObject({
          reason: 'USER_TOTAL_LIMIT_REACHED',
        });
      });

      it('returns the first outcome for an order and counts it once', async () => {
        const c = coupon('AAA', { globalTotal: 1 });
        await create(c);
        const first = await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        const again = await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        expect(again).toEqual(first);
        expect(await store.ledger.findOutcome('AAA', 'order:o1', NOW)).toEqual(first);
        expect((await store.ledger.usage('AAA', 'u1', TODAY)).globalTotal).toBe(1);
        expect(await store.ledger.redeem(attempt(c, 'u2', 'o2'))).toMatchObject({
          reason: 'GLOBAL_LIMIT_REACHED',
        });
      });

      it('keeps a rejection as the first outcome of its order', async () => {
        const c = coupon('AAA', { userDaily: 0 });
        await create(c);
        const first = await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        const raised = { ...c, repeatCounts: { ...c.repeatCounts, userDaily: 5 } };
        expect(await store.ledger.redeem(attempt(raised, 'u1', 'o1'))).toEqual(first);
        expect((await store.ledger.usage('AAA', 'u1', TODAY)).globalTotal).toBe(0);
      });

      it('keeps the outcome of a request without an orderId under its job, counting a re-run once', async () => {
        const c = coupon('AAA');
        await create(c);
        const job = { ...attempt(c, 'u1'), outcomeKey: outcomeKey(undefined, 'job-7') };
        const first = await store.ledger.redeem(job);
        expect(await store.ledger.redeem(job)).toEqual(first);
        expect(await store.ledger.findOutcome('AAA', 'job:job-7', NOW)).toEqual(first);
        expect((await store.ledger.usage('AAA', 'u1', TODAY)).userTotal).toBe(1);
      });

      it('counts each request without an outcome key', async () => {
        const c = coupon('AAA');
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1'));
        await store.ledger.redeem(attempt(c, 'u1'));
        expect((await store.ledger.usage('AAA', 'u1', TODAY)).userTotal).toBe(2);
      });

      it('refuses to commit against a coupon that changed or went since it was read', async () => {
        const c = coupon('AAA');
        await create(c);
        await store.coupons.save({ ...c, repeatCounts: { ...c.repeatCounts, globalTotal: 0 } }, c);
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o1'))).toBe(STALE_COUPON);
        expect(await store.ledger.findOutcome('AAA', 'order:o1', NOW)).toBeUndefined();
        await store.coupons.delete('AAA');
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o2'))).toBe(STALE_COUPON);
        expect((await store.ledger.usage('AAA', 'u1', TODAY)).globalTotal).toBe(0);
      });

      it('counts window uses only in their own day and week', async () => {
        const c = coupon('AAA', { userDaily: 1, userWeekly: 2 });
        await create(c);
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o1', TODAY))).toMatchObject({
          status: 'accepted',
        });
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o2', TODAY))).toMatchObject({
          reason: 'USER_DAILY_LIMIT_REACHED',
        });
        expect(await store.ledger.usage('AAA', 'u1', TOMORROW)).toEqual({
          globalTotal: 1,
          userTotal: 1,
          userWeekly: 1,
          userDaily: 0,
        });
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o3', TOMORROW))).toMatchObject({
          status: 'accepted',
        });
        expect(await store.ledger.redeem(attempt(c, 'u2', 'o4', TOMORROW))).toMatchObject({
          status: 'accepted',
        });
        expect(await store.ledger.usage('AAA', 'u1', TOMORROW)).toMatchObject({
          userWeekly: 2,
          userDaily: 1,
        });
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o5', TOMORROW))).toMatchObject({
          reason: 'USER_WEEKLY_LIMIT_REACHED',
        });
        expect(await store.ledger.usage('AAA', 'u1', NEXT_MONDAY)).toEqual({
          globalTotal: 3,
          userTotal: 2,
          userWeekly: 0,
          userDaily: 0,
        });
      });

      it('counts a request stamped with an earlier day in the newest day, never past its cap', async () => {
        const c = coupon('AAA', { userDaily: 1, userWeekly: 1 });
        await create(c);
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o1', NEXT_MONDAY))).toMatchObject({
          status: 'accepted',
        });
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o2', TOMORROW))).toMatchObject({
          reason: 'USER_WEEKLY_LIMIT_REACHED',
        });
        expect(await store.ledger.usage('AAA', 'u1', NEXT_MONDAY)).toMatchObject({
          userWeekly: 1,
          userDaily: 1,
        });
      });

      it('keeps caps exact when many redemptions arrive at once', async () => {
        const c = coupon('AAA', { globalTotal: 25, userDaily: 2 });
        await create(c);
        const outcomes = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            store.ledger.redeem(attempt(c, `u${i % 20}`, `o${i}`)),
          ),
        );
        const accepted = outcomes.filter((o) => o !== STALE_COUPON && o.status === 'accepted');
        expect(accepted).toHaveLength(25);
        for (let u = 0; u < 20; u++) {
          expect((await store.ledger.usage('AAA', `u${u}`, TODAY)).userDaily).toBeLessThanOrEqual(
            2,
          );
        }
        expect((await store.ledger.usage('AAA', undefined, TODAY)).globalTotal).toBe(25);
      });
    });

    const rollback = (
      c: Coupon,
      userId: string,
      orderId: string,
      periods = TODAY,
    ): RollbackAttempt => ({
      request: { couponCode: c.code, userId, orderId },
      publication: '',
      outcomeKey: outcomeKey(orderId, undefined)!,
      periods,
      now: NOW,
    });
    const ALL_RESTORED = { globalTotal: true, userTotal: true, userWeekly: true, userDaily: true };
    const NONE_USED = { globalTotal: 0, userTotal: 0, userWeekly: 0, userDaily: 0 };

    describe('rollback', () => {
      it('gives back every count of an accepted redemption in its own day and week', async () => {
        const c = coupon('AAA', { globalTotal: 10, userDaily: 1 });
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        await store.ledger.redeem(attempt(c, 'u2', 'o2'));
        expect(await store.ledger.rollback(rollback(c, 'u1', 'o1'))).toEqual({
          status: 'rolled-back',
          restored: ALL_RESTORED,
        });
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toEqual({
          ...NONE_USED,
          globalTotal: 1,
        });
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o3'))).toMatchObject({
          status: 'accepted',
        });
      });

      it('leaves a daily count from an ended day alone, and a weekly one from an ended week', async () => {
        const c = coupon('AAA');
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        await store.ledger.redeem(attempt(c, 'u1', 'o2'));
        expect(await store.ledger.rollback(rollback(c, 'u1', 'o1', TOMORROW))).toEqual({
          status: 'rolled-back',
          restored: { ...ALL_RESTORED, userDaily: false },
        });
        expect(await store.ledger.usage('AAA', 'u1', TOMORROW)).toEqual({
          globalTotal: 1,
          userTotal: 1,
          userWeekly: 1,
          userDaily: 0,
        });
        expect(await store.ledger.rollback(rollback(c, 'u1', 'o2', NEXT_MONDAY))).toEqual({
          status: 'rolled-back',
          restored: { ...ALL_RESTORED, userDaily: false, userWeekly: false },
        });
        expect(await store.ledger.usage('AAA', 'u1', NEXT_MONDAY)).toEqual(NONE_USED);
      });

      it('rolls back once: a second rollback changes nothing and says so', async () => {
        const c = coupon('AAA');
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        await store.ledger.redeem(attempt(c, 'u1', 'o2'));
        await store.ledger.rollback(rollback(c, 'u1', 'o1'));
        expect(await store.ledger.rollback(rollback(c, 'u1', 'o1'))).toEqual({
          status: 'already-rolled-back',
        });
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toEqual({
          globalTotal: 1,
          userTotal: 1,
          userWeekly: 1,
          userDaily: 1,
        });
      });

      it('finds no redemption for an unknown order, a rejected one, or another user', async () => {
        const c = coupon('AAA', { globalTotal: 1 });
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        await store.ledger.redeem(attempt(c, 'u2', 'o2'));
        for (const [userId, orderId] of [
          ['u1', 'never'],
          ['u2', 'o2'],
          ['u2', 'o1'],
        ] as const) {
          expect(await store.ledger.rollback(rollback(c, userId, orderId))).toEqual({
            status: 'not-found',
          });
        }
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toMatchObject({ globalTotal: 1 });
      });

      it('decides an order afresh after its rollback', async () => {
        const c = coupon('AAA', { userTotal: 1 });
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        await store.ledger.rollback(rollback(c, 'u1', 'o1'));
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o1'))).toMatchObject({
          status: 'accepted',
          remaining: { userTotal: 0 },
        });
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toMatchObject({ userTotal: 1 });
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o2'))).toMatchObject({
          reason: 'USER_TOTAL_LIMIT_REACHED',
        });
        expect(await store.ledger.rollback(rollback(c, 'u1', 'o1'))).toMatchObject({
          status: 'rolled-back',
        });
      });

      it('gives nothing back to a coupon created again under the same code', async () => {
        const c = coupon('AAA');
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        await store.coupons.delete('AAA');
        await create(c);
        const again = (await store.coupons.get('AAA'))!;
        await store.ledger.redeem(attempt(again, 'u1', 'o2'));
        expect(await store.ledger.rollback(rollback(c, 'u1', 'o1'))).toEqual({
          status: 'rolled-back',
          restored: { globalTotal: false, userTotal: false, userWeekly: false, userDaily: false },
        });
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toMatchObject({
          globalTotal: 1,
          userDaily: 1,
        });
      });
    });

    describe('publications and conflicts', () => {
      const published = <T extends { publication: string }>(a: T, publication: string): T => ({
        ...a,
        publication,
      });

      it('replays a rolled-back redemption to the publication that decided it, and decides a new one afresh', async () => {
        const c = coupon('AAA', { userTotal: 1 });
        await create(c);
        const first = await store.ledger.redeem(published(attempt(c, 'u1', 'o1'), 'job-1@1'));
        await store.ledger.rollback(rollback(c, 'u1', 'o1'));
        // BullMQ runs the crashed job again: its own answer, nothing counted.
        expect(await store.ledger.redeem(published(attempt(c, 'u1', 'o1'), 'job-1@1'))).toEqual(
          first,
        );
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toMatchObject({ userTotal: 0 });
        // The order published anew is decided afresh.
        expect(
          await store.ledger.redeem(published(attempt(c, 'u1', 'o1'), 'job-1@2')),
        ).toMatchObject({ status: 'accepted' });
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toMatchObject({ userTotal: 1 });
        expect(summaryOf(await store.log.list('AAA', { limit: 10 }, NOW))).toEqual([
          'u1 o1 accepted',
          'u1 o1 rolled-back',
          'u1 o1 accepted',
        ]);
      });

      it('answers the publication that rolled back with its own result, and any other with already-rolled-back', async () => {
        const c = coupon('AAA');
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        const first = await store.ledger.rollback(published(rollback(c, 'u1', 'o1'), 'rb-1@1'));
        expect(first).toEqual({ status: 'rolled-back', restored: ALL_RESTORED });
        expect(await store.ledger.rollback(published(rollback(c, 'u1', 'o1'), 'rb-1@1'))).toEqual(
          first,
        );
        expect(await store.ledger.rollback(published(rollback(c, 'u1', 'o1'), 'rb-2@1'))).toEqual({
          status: 'already-rolled-back',
        });
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toEqual(NONE_USED);
      });

      it('refuses an order decided for another user as ORDER_CONFLICT, counting and keeping nothing', async () => {
        const c = coupon('AAA', { globalTotal: 10, userTotal: 3 });
        await create(c);
        const alice = await store.ledger.redeem(attempt(c, 'alice', 'o1'));
        expect(await store.ledger.redeem(attempt(c, 'bob', 'o1'))).toMatchObject({
          status: 'rejected',
          reason: 'ORDER_CONFLICT',
          couponCode: 'AAA',
          userId: 'bob',
          orderId: 'o1',
          remaining: { globalTotal: 9, userTotal: 3 },
        });
        const refused = rejectedOutcome(
          { couponCode: 'AAA', userId: 'carol', orderId: 'o1' },
          'USER_NOT_FOUND',
          NOTHING_REMAINING,
          NOW,
        );
        expect(await recordRejection('order:o1', refused)).toMatchObject({
          userId: 'carol',
          reason: 'ORDER_CONFLICT',
        });
        expect(await store.ledger.findOutcome('AAA', 'order:o1', NOW)).toEqual(alice);
        expect(await store.ledger.redeem(attempt(c, 'alice', 'o1'))).toEqual(alice);
        expect(await store.ledger.usage('AAA', 'bob', TODAY)).toMatchObject({
          globalTotal: 1,
          userTotal: 0,
        });
      });

      it('answers a rollback job run again with its own result, also after the order was redeemed afresh', async () => {
        const c = coupon('AAA', { userTotal: 1 });
        await create(c);
        await store.ledger.redeem(published(attempt(c, 'u1', 'o1'), 'redeem-1@1'));
        const rollbackJob = published(rollback(c, 'u1', 'o1'), 'rollback-1@1');
        const first = await store.ledger.rollback(rollbackJob);
        expect(
          await store.ledger.redeem(published(attempt(c, 'u1', 'o1'), 'redeem-1@2')),
        ).toMatchObject({ status: 'accepted' });
        // The rollback job's worker died after its step; BullMQ runs it again.
        expect(await store.ledger.rollback(rollbackJob)).toEqual(first);
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toMatchObject({ userTotal: 1 });
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o2'))).toMatchObject({
          reason: 'USER_TOTAL_LIMIT_REACHED',
        });
      });

      it('hands out copies of kept outcomes', async () => {
        const c = coupon('AAA', { globalTotal: 5 });
        await create(c);
        const first = await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        if (first === STALE_COUPON) throw new Error('stale');
        first.status = 'rejected';
        first.remaining.globalTotal = 999;
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o1'))).toMatchObject({
          status: 'accepted',
          remaining: { globalTotal: 4 },
        });
      });

      it('keeps and logs nothing for a code no coupon can have', async () => {
        const refused = (userId: string) =>
          rejectedOutcome(
            { couponCode: 'SAVE 10', userId, orderId: 'o1' },
            'COUPON_NOT_FOUND',
            NOTHING_REMAINING,
            NOW,
          );
        expect(await recordRejection('order:o1', refused('u1'))).toEqual(refused('u1'));
        expect(await recordRejection('order:o1', refused('u2'))).toEqual(refused('u2'));
        expect(await store.ledger.findOutcome('SAVE 10', 'order:o1', NOW)).toBeUndefined();
        expect((await store.log.list('SAVE 10', { limit: 10 }, NOW)).items).toEqual([]);
      });

      it('keeps orderless outcomes per publication, so a job id used again is a new request', async () => {
        const c = coupon('AAA', { userTotal: 1 });
        await create(c);
        const job = (userId: string, publication: string) => ({
          ...attempt(c, userId),
          publication,
          outcomeKey: outcomeKey(undefined, publication),
        });
        const alice = await store.ledger.redeem(job('alice', '1@1000'));
        expect(await store.ledger.redeem(job('alice', '1@1000'))).toEqual(alice);
        expect(await store.ledger.redeem(job('bob', '1@2000'))).toMatchObject({
          status: 'accepted',
          userId: 'bob',
        });
        expect(await store.ledger.redeem(job('bob', '2@2001'))).toMatchObject({
          reason: 'USER_TOTAL_LIMIT_REACHED',
        });
      });
    });

    describe('redemption log', () => {
      const list = (code: string, query: Partial<LogQuery> = {}) =>
        store.log.list(code, { limit: 20, ...query }, NOW);
      const summary = (entries: LogEntry[]) => summaryOf({ items: entries }).reverse();

      it('logs every decision and rollback, newest first, but not replays', async () => {
        const c = coupon('AAA', { globalTotal: 1 });
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        await store.ledger.redeem(attempt(c, 'u2', 'o2'));
        const refused = { couponCode: 'AAA', userId: 'u3', orderId: 'o3' };
        await recordRejection(
          'order:o3',
          rejectedOutcome(refused, 'USER_NOT_FOUND', NOTHING_REMAINING, NOW),
        );
        await recordRejection(
          undefined,
          rejectedOutcome(
            { couponCode: 'AAA', userId: 'u4' },
            'COUPON_INACTIVE',
            NOTHING_REMAINING,
            NOW,
          ),
        );
        await store.ledger.rollback(rollback(c, 'u1', 'o1'));
        const page = await list('AAA');
        expect(summary(page.items)).toEqual([
          'u1 o1 rolled-back',
          'u4 rejected COUPON_INACTIVE',
          'u3 o3 rejected USER_NOT_FOUND',
          'u2 o2 rejected GLOBAL_LIMIT_REACHED',
          'u1 o1 accepted',
        ]);
        expect(page.items[0]).toMatchObject({ couponCode: 'AAA', at: new Date(NOW).toISOString() });
        expect(page.nextCursor).toBeNull();
        expect((await list('BBB')).items).toEqual([]);
      });

      it('ends a page that reaches the end of the log with no cursor', async () => {
        const c = coupon('AAA');
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        await store.ledger.redeem(attempt(c, 'u1', 'o2'));
        expect((await list('AAA', { limit: 2 })).nextCursor).toBeNull();
        const first = await list('AAA', { limit: 1 });
        expect(first.nextCursor).not.toBeNull();
        expect(await list('AAA', { limit: 1, cursor: first.nextCursor! })).toMatchObject({
          items: [{ orderId: 'o1' }],
          nextCursor: null,
        });
      });

      it('orders and expires entries by the latest time already logged when a caller’s clock is behind', async () => {
        const c = coupon('AAA');
        await create(c);
        await store.ledger.redeem({ ...attempt(c, 'ahead', 'oA'), now: NOW + 10_000 });
        await store.ledger.redeem(attempt(c, 'behind', 'oB'));
        const page = await store.log.list('AAA', { limit: 10 }, NOW + LOG_TTL_MS + 5_000);
        expect(page.items.map((e) => [e.orderId, e.at])).toEqual([
          ['oB', new Date(NOW).toISOString()],
          ['oA', new Date(NOW + 10_000).toISOString()],
        ]);
        expect(
          (await store.log.list('AAA', { limit: 10 }, NOW + LOG_TTL_MS + 10_000)).items,
        ).toEqual([]);
      });

      it('pages through the log and filters by status and user', async () => {
        const c = coupon('AAA', { userTotal: 4 });
        await create(c);
        for (let i = 0; i < 25; i++) await store.ledger.redeem(attempt(c, `u${i % 5}`, `o${i}`));
        const seen: LogEntry[] = [];
        let cursor: string | undefined;
        do {
          const page = await list('AAA', { limit: 10, cursor });
          expect(page.items.length).toBeLessThanOrEqual(10);
          seen.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(seen.map((e) => e.orderId)).toEqual(
          Array.from({ length: 25 }, (_, i) => `o${24 - i}`),
        );
        const u1 = await list('AAA', { userId: 'u1' });
        expect(u1.items.map((e) => e.orderId)).toEqual(['o21', 'o16', 'o11', 'o6', 'o1']);
        const rejected = await list('AAA', { status: 'rejected', limit: 3 });
        expect(summary(rejected.items)).toEqual([
          'u4 o24 rejected USER_TOTAL_LIMIT_REACHED',
          'u3 o23 rejected USER_TOTAL_LIMIT_REACHED',
          'u2 o22 rejected USER_TOTAL_LIMIT_REACHED',
        ]);
        const more = await list('AAA', { status: 'rejected', cursor: rejected.nextCursor! });
        expect(summary(more.items)).toEqual([
          'u1 o21 rejected USER_TOTAL_LIMIT_REACHED',
          'u0 o20 rejected USER_TOTAL_LIMIT_REACHED',
        ]);
        expect((await list('AAA', { status: 'accepted' })).items).toHaveLength(20);
      });
    });

    describe('recordOutcome', () => {
      it('keeps the first outcome of an order', async () => {
        await create(coupon('AAA'));
        const request = { couponCode: 'AAA', userId: 'u1', orderId: 'o1' };
        const first = rejectedOutcome(request, 'USER_NOT_FOUND', NOTHING_REMAINING, NOW);
        expect(await recordRejection(`order:${first.orderId}`, first)).toEqual(first);
        const second = rejectedOutcome(request, 'COUPON_INACTIVE', NOTHING_REMAINING, NOW + 1);
        expect(await recordRejection(`order:${second.orderId}`, second)).toEqual(first);
        expect(await store.ledger.findOutcome('AAA', 'order:o1', NOW)).toEqual(first);
      });

      it('answers a decided order read-only with replay, as a redeem would', async () => {
        const c = coupon('AAA');
        await create(c);
        const accepted = await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        const logged = (await store.log.list('AAA', { limit: 10 }, NOW)).items;
        const ask = (userId: string, key = 'order:o1', publication = '') =>
          store.ledger.replay('AAA', key, { userId, publication }, NOW + 1);
        expect(await ask('u1')).toEqual(accepted);
        expect(await ask('u2')).toBeUndefined(); // a redeem would refuse it ORDER_CONFLICT
        expect(await ask('u1', 'order:o2')).toBeUndefined();
        expect(
          await store.ledger.replay('AAA', undefined, { userId: 'u1', publication: '' }, NOW),
        ).toBeUndefined();
        expect(
          await store.ledger.replay('A A', 'order:o1', { userId: 'u1', publication: '' }, NOW),
        ).toBeUndefined();
        await store.ledger.rollback({
          request: { couponCode: 'AAA', userId: 'u1', orderId: 'o1' },
          publication: 'rb@1',
          outcomeKey: 'order:o1',
          periods: TODAY,
          now: NOW,
        });
        expect(await ask('u1')).toBeUndefined(); // rolled back: a new publish is decided afresh
        expect((await store.log.list('AAA', { limit: 10 }, NOW)).items).toHaveLength(
          logged.length + 1,
        );
      });
    });

    describe('bounded state', () => {
      const HOUR = 3600_000;
      const refusal = (orderId?: string) =>
        rejectedOutcome(
          { couponCode: 'AAA', userId: 'u1', ...(orderId !== undefined && { orderId }) },
          'COUPON_INACTIVE',
          NOTHING_REMAINING,
          NOW,
        );

      it('keeps a rejection only under an order, and for the rejection TTL', async () => {
        await create(coupon('AAA'));
        const orderless = refusal();
        await store.ledger.recordRejection({
          outcome: orderless,
          outcomeKey: 'job:1@1000',
          publication: '1@1000',
          now: NOW,
        });
        expect(await store.ledger.findOutcome('AAA', 'job:1@1000', NOW)).toBeUndefined();

        const refused = refusal('o1');
        await recordRejection('order:o1', refused);
        expect(await store.ledger.findOutcome('AAA', 'order:o1', NOW + 24 * HOUR - 1)).toEqual(
          refused,
        );
        expect(await store.ledger.findOutcome('AAA', 'order:o1', NOW + 24 * HOUR)).toBeUndefined();
        // Both were logged, as every decision is.
        expect((await store.log.list('AAA', { limit: 10 }, NOW)).items).toHaveLength(2);
      });

      it('keeps a refusal for a full counter as long as other rejections, acceptances longer', async () => {
        const c = coupon('AAA', { globalTotal: 1 });
        await create(c);
        const accepted = await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        const full = await store.ledger.redeem(attempt(c, 'u2', 'o2'));
        expect(full).toMatchObject({ reason: 'GLOBAL_LIMIT_REACHED' });
        await store.ledger.redeem({
          ...attempt(c, 'u3'),
          outcomeKey: 'job:7@1',
          publication: '7@1',
        });
        const later = NOW + 24 * HOUR;
        expect(await store.ledger.findOutcome('AAA', 'order:o1', later)).toEqual(accepted);
        expect(await store.ledger.findOutcome('AAA', 'order:o2', later - 1)).toEqual(full);
        expect(await store.ledger.findOutcome('AAA', 'order:o2', later)).toBeUndefined();
        expect(await store.ledger.findOutcome('AAA', 'job:7@1', NOW)).toBeUndefined();
      });

      it('keeps at most logMaxEntries log entries per coupon, the newest', async () => {
        const small = await makeStore({ ...DEFAULT_STORE_OPTIONS, logMaxEntries: 5 });
        await small.coupons.create(coupon('AAA'));
        for (let i = 1; i <= 8; i++) {
          await small.ledger.recordRejection({
            outcome: refusal(`o${i}`),
            outcomeKey: `order:o${i}`,
            publication: '',
            now: NOW + i,
          });
        }
        const page = await small.log.list('AAA', { limit: 20 }, NOW + 10);
        expect(page.items.map((entry) => entry.orderId)).toEqual(['o8', 'o7', 'o6', 'o5', 'o4']);
        expect(page.nextCursor).toBeNull();
      });

      it(`leaves a log at ${logCap === DEFAULT_STORE_OPTIONS.logMaxEntries ? 'the default cap' : 'a cap'} of ${logCap} entries after ${2 * logCap} refusals`, async () => {
        const capped =
          logCap === DEFAULT_STORE_OPTIONS.logMaxEntries
            ? store
            : await makeStore({
                ...DEFAULT_STORE_OPTIONS,
                outcomeTtlMs: OUTCOME_TTL_MS,
                logTtlMs: LOG_TTL_MS,
                logMaxEntries: logCap,
              });
        await capped.coupons.create(coupon('AAA'));
        const refusals = 2 * logCap;
        for (let sent = 0; sent < refusals; sent += 2000) {
          await Promise.all(
            Array.from({ length: Math.min(2000, refusals - sent) }, (_, i) =>
              capped.ledger.recordRejection({
                outcome: { ...refusal(), userId: `u${sent + i}` },
                outcomeKey: undefined,
                publication: '',
                now: NOW,
              }),
            ),
          );
        }
        let entries = 0;
        let oldest = '';
        let cursor: string | undefined;
        do {
          const page = await capped.log.list('AAA', { limit: 100, cursor }, NOW);
          entries += page.items.length;
          oldest = page.items.at(-1)?.userId ?? oldest;
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(entries).toBe(logCap);
        expect(oldest).toBe(`u${refusals - logCap}`);
      }, 60_000);
    });

    describe('resets', () => {
      it('frees the counters of ended days and weeks only, never totals or the current period', async () => {
        const c = coupon('AAA', { userDaily: 1, userWeekly: 5 });
        const d = coupon('BBB');
        await create(c);
        await create(d);
        await store.ledger.redeem(attempt(c, 'u1', 'o1', TODAY));
        await store.ledger.redeem(attempt(c, 'u2', 'o2', TODAY));
        await store.ledger.redeem(attempt(d, 'u1', 'o3', TODAY));

        expect((await store.ledger.resetWindows('daily', TODAY.day, false)).freed).toBe(0);
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toMatchObject({ userDaily: 1 });

        expect((await store.ledger.resetWindows('daily', TOMORROW.day, false)).freed).toBe(3);
        expect((await store.ledger.resetWindows('daily', TOMORROW.day, false)).freed).toBe(0);
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toEqual({
          globalTotal: 2,
          userTotal: 1,
          userWeekly: 1,
          userDaily: 0,
        });
        expect((await store.ledger.resetWindows('weekly', TOMORROW.week, false)).freed).toBe(0);
        expect((await store.ledger.resetWindows('weekly', NEXT_MONDAY.week, false)).freed).toBe(3);
        expect(await store.ledger.usage('AAA', 'u1', NEXT_MONDAY)).toEqual({
          globalTotal: 2,
          userTotal: 1,
          userWeekly: 0,
          userDaily: 0,
        });
      });

      it('frees the current period too when asked (a manual reset), and says which periods it freed', async () => {
        const c = coupon('AAA', { userDaily: 1 });
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'o1', TODAY));
        await store.ledger.redeem(attempt(c, 'u2', 'o2', TOMORROW));
        expect(await store.ledger.resetWindows('daily', TOMORROW.day, true)).toEqual({
          freed: 2,
          periods: [TODAY.day, TOMORROW.day],
        });
        expect(await store.ledger.usage('AAA', 'u2', TOMORROW)).toMatchObject({
          userDaily: 0,
          userTotal: 1,
        });
        expect(await store.ledger.redeem(attempt(c, 'u2', 'o3', TOMORROW))).toMatchObject({
          status: 'accepted',
        });
        expect(await store.ledger.resetWindows('daily', TOMORROW.day, false)).toEqual({
          freed: 0,
          periods: [],
        });
      });

      it('frees every ended period, however many went by without a reset', async () => {
        const c = coupon('AAA');
        await create(c);
        const days = ['2026-11-22', '2026-11-23', '2026-11-24'];
        for (const [i, day] of days.entries()) {
          await store.ledger.redeem(attempt(c, `u${i}`, `o${i}`, { ...TODAY, day }));
        }
        expect(await store.ledger.resetWindows('daily', TODAY.day, false)).toEqual({
          freed: 3,
          periods: days,
        });
      });

      it('gives nothing back to a day a manual reset set to 0 since the use', async () => {
        const c = coupon('AAA', { userDaily: 1 });
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        await store.ledger.resetWindows('daily', TODAY.day, true);
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o2'))).toMatchObject({
          status: 'accepted',
        });
        expect(await store.ledger.rollback(rollback(c, 'u1', 'o1'))).toEqual({
          status: 'rolled-back',
          restored: { ...ALL_RESTORED, userDaily: false },
        });
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o3'))).toMatchObject({
          reason: 'USER_DAILY_LIMIT_REACHED',
        });
      });

      it('counts a request stamped with a day a reset has ended in the current day', async () => {
        const c = coupon('AAA', { userDaily: 1 });
        await create(c);
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o1', TODAY))).toMatchObject({
          status: 'accepted',
        });
        await store.ledger.resetWindows('daily', TOMORROW.day, false);
        // Decided just before midnight, committed after the reset: it counts in the new day.
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o2', TODAY))).toMatchObject({
          status: 'accepted',
        });
        expect(await store.ledger.redeem(attempt(c, 'u1', 'o3', TOMORROW))).toMatchObject({
          reason: 'USER_DAILY_LIMIT_REACHED',
        });
        expect(await store.ledger.usage('AAA', 'u1', TOMORROW)).toMatchObject({
          userDaily: 1,
          userTotal: 2,
        });
      });

      it('keeps outcomes for the TTL by the caller’s clock, then decides the order afresh', async () => {
        const c = coupon('AAA');
        await create(c);
        const first = await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        const lastKept = NOW + OUTCOME_TTL_MS - 1;
        expect(await store.ledger.findOutcome('AAA', 'order:o1', lastKept)).toEqual(first);
        expect(await store.ledger.redeem({ ...attempt(c, 'u1', 'o1'), now: lastKept })).toEqual(
          first,
        );
        const expired = NOW + OUTCOME_TTL_MS;
        expect(await store.ledger.findOutcome('AAA', 'order:o1', expired)).toBeUndefined();
        expect(
          await store.ledger.redeem({ ...attempt(c, 'u1', 'o1'), now: expired }),
        ).toMatchObject({ status: 'accepted', processedAt: new Date(expired).toISOString() });
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toMatchObject({ userTotal: 2 });
      });

      it('lists log entries for the log TTL only, and pages from a cursor by position', async () => {
        const c = coupon('AAA');
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'old'));
        const later = { ...attempt(c, 'u1', 'new'), now: NOW + LOG_TTL_MS };
        await store.ledger.redeem(later);
        const page = await store.log.list('AAA', { limit: 10 }, NOW + LOG_TTL_MS);
        expect(page.items.map((e) => e.orderId)).toEqual(['new']);
        const fromCursor = await store.log.list(
          'AAA',
          { limit: 10, cursor: '1' },
          NOW + LOG_TTL_MS,
        );
        expect(fromCursor).toEqual({ items: [], nextCursor: null });
      });
    });

    describe('unique codes', () => {
      it('revokes a code once, only of the coupon it was read from, and reads a code’s state', async () => {
        const c = withCodes(coupon('AAA'), 100, 1);
        await create(c);
        expect(placeCode('AAA', c.codes, uniqueCode(c, 7))?.index).toBe(7);
        expect(await store.ledger.codeState('AAA', 7)).toEqual({ used: 0, revoked: false });
        expect(await store.ledger.revokeCode(c, 7, NOW)).toBe('revoked');
        expect(await store.ledger.revokeCode(c, 7, NOW + 1)).toBe('already-revoked');
        expect(await store.ledger.codeState('AAA', 7)).toEqual({ used: 0, revoked: true });
        expect(await store.ledger.codeState('AAA', 8)).toEqual({ used: 0, revoked: false });
        expect(await store.ledger.revokeCode({ ...c, born: 'other' }, 8, NOW)).toBe('stale');
        expect(await store.ledger.revokeCode({ code: 'NOPE', born: c.born }, 8, NOW)).toBe('stale');
        expect(await store.ledger.codeState('AAA', 8)).toEqual({ used: 0, revoked: false });
        expect(await store.ledger.codeState('NOPE', 8)).toEqual({ used: 0, revoked: false });
      });

      /** A redeem of the code at `index` of the coupon's codes, placed as the service places it. */
      const codeAttempt = (
        c: Coupon,
        index: number,
        userId: string,
        orderId?: string,
      ): RedeemAttempt => {
        const code = uniqueCode(c, index);
        const placed = placeCode(c.code, c.codes, code)!;
        const plain = attempt(c, userId, orderId);
        return {
          ...plain,
          request: { ...plain.request, couponCode: code, coupon: c.code },
          uniqueCode: { index: placed.index, limit: placed.batch.usesPerCode },
        };
      };
      const reasonOf = (outcome: Awaited<ReturnType<UsageLedger['redeem']>>) =>
        outcome === STALE_COUPON ? outcome : (outcome.reason ?? outcome.status);
      const HOUR = 3600_000;

      it('accepts a code up to its uses, counting the coupon too, and replays what it decided', async () => {
        const c = withCodes(coupon('AAA', { globalTotal: 10 }), 100, 2);
        await create(c);
        const code = uniqueCode(c, 5);
        const first = await store.ledger.redeem(codeAttempt(c, 5, 'u1', 'o1'));
        expect(first).toEqual({
          status: 'accepted',
          couponCode: code,
          coupon: 'AAA',
          userId: 'u1',
          orderId: 'o1',
          discountPercentage: 15,
          remaining: { globalTotal: 9, userTotal: null, userWeekly: null, userDaily: null },
          processedAt: new Date(NOW).toISOString(),
        });
        expect(reasonOf(await store.ledger.redeem(codeAttempt(c, 5, 'u2', 'o2')))).toBe('accepted');
        const spent = await store.ledger.redeem(codeAttempt(c, 5, 'u3', 'o3'));
        expect(spent).toMatchObject({
          status: 'rejected',
          reason: 'CODE_LIMIT_REACHED',
          couponCode: code,
          coupon: 'AAA',
          remaining: { globalTotal: 8 },
        });
        expect(await store.ledger.codeState('AAA', 5)).toEqual({ used: 2, revoked: false });
        expect(await store.ledger.usage('AAA', 'u3', TODAY)).toEqual({
          ...NONE_USED,
          globalTotal: 2,
        });
        // Kept and replayed as they were, the code as submitted and its coupon included.
        expect(await store.ledger.redeem(codeAttempt(c, 5, 'u1', 'o1'))).toEqual(first);
        expect(await store.ledger.redeem(codeAttempt(c, 5, 'u3', 'o3'))).toEqual(spent);
        expect(await store.ledger.findOutcome('AAA', 'order:o1', NOW)).toEqual(first);
        const asked = { userId: 'u1', publication: '', uniqueCode: code };
        expect(await store.ledger.replay('AAA', 'order:o1', asked, NOW)).toEqual(first);
        expect(await store.ledger.findOutcome('AAA', 'order:o3', NOW + 24 * HOUR - 1)).toEqual(
          spent,
        );
        expect(await store.ledger.findOutcome('AAA', 'order:o3', NOW + 24 * HOUR)).toBeUndefined();
        // Another code of the batch has its own uses; a plain redemption logs no unique code.
        expect(reasonOf(await store.ledger.redeem(codeAttempt(c, 6, 'u3', 'o4')))).toBe('accepted');
        expect(reasonOf(await store.ledger.redeem(attempt(c, 'u4', 'o5')))).toBe('accepted');
        const entries = (await store.log.list('AAA', { limit: 10 }, NOW)).items;
        expect(entries.map((e) => [e.orderId, e.couponCode, e.uniqueCode, e.reason])).toEqual([
          ['o5', 'AAA', undefined, undefined],
          ['o4', 'AAA', uniqueCode(c, 6), undefined],
          ['o3', 'AAA', code, 'CODE_LIMIT_REACHED'],
          ['o2', 'AAA', code, undefined],
          ['o1', 'AAA', code, undefined],
        ]);
        expect(entries[0]).not.toHaveProperty('uniqueCode');
        expect((await store.ledger.usage('AAA', undefined, TODAY)).globalTotal).toBe(4);
      });

      it('refuses an order decided with one code when it comes with another (ORDER_CONFLICT)', async () => {
        const c = withCodes(coupon('AAA'), 10, 1);
        await create(c);
        const first = await store.ledger.redeem(codeAttempt(c, 1, 'u1', 'o1'));
        expect(reasonOf(first)).toBe('accepted');
        expect(reasonOf(await store.ledger.redeem(codeAttempt(c, 2, 'u1', 'o1')))).toBe(
          'ORDER_CONFLICT',
        );
        expect(reasonOf(await store.ledger.redeem(attempt(c, 'u1', 'o1')))).toBe('ORDER_CONFLICT');
        const rule = rejectedOutcome(
          { couponCode: uniqueCode(c, 3), coupon: 'AAA', userId: 'u1', orderId: 'o1' },
          'COUPON_INACTIVE',
          NOTHING_REMAINING,
          NOW,
        );
        const refused = await store.ledger.recordRejection({
          outcome: rule,
          publication: 'job@9',
          outcomeKey: 'order:o1',
          now: NOW,
        });
        expect(refused.reason).toBe('ORDER_CONFLICT');
        expect(await store.ledger.codeState('AAA', 2)).toEqual({ used: 0, revoked: false });
        expect((await store.ledger.usage('AAA', undefined, TODAY)).globalTotal).toBe(1);
        const asked = { userId: 'u1', publication: '' };
        expect(
          await store.ledger.replay(
            'AAA',
            'order:o1',
            { ...asked, uniqueCode: uniqueCode(c, 2) },
            NOW,
          ),
        ).toBeUndefined();
        expect(await store.ledger.replay('AAA', 'order:o1', asked, NOW)).toBeUndefined();
        expect(await store.ledger.findOutcome('AAA', 'order:o1', NOW)).toEqual(first);
      });

      it('keeps and logs a rule’s refusal of a unique code under its coupon', async () => {
        const c = withCodes(coupon('AAA'), 10, 1);
        await create(c);
        const refused = rejectedOutcome(
          { couponCode: uniqueCode(c, 1), coupon: 'AAA', userId: 'u1', orderId: 'o1' },
          'COUPON_INACTIVE',
          NOTHING_REMAINING,
          NOW,
        );
        expect(await recordRejection('order:o1', refused)).toEqual(refused);
        const again = { ...refused, reason: 'COUPON_EXPIRED' as const };
        expect(await recordRejection('order:o1', again)).toEqual(refused);
        expect(await store.ledger.findOutcome('AAA', 'order:o1', NOW)).toEqual(refused);
        const asked = { userId: 'u1', publication: '', uniqueCode: uniqueCode(c, 1) };
        expect(await store.ledger.replay('AAA', 'order:o1', asked, NOW)).toEqual(refused);
        expect((await store.log.list('AAA', { limit: 10 }, NOW)).items).toMatchObject([
          { couponCode: 'AAA', uniqueCode: uniqueCode(c, 1), reason: 'COUPON_INACTIVE' },
        ]);
      });

      it('lets a code of unlimited uses be used by anyone, any number of times', async () => {
        const c = withCodes(coupon('AAA'), 10, null);
        await create(c);
        for (let i = 0; i < 5; i++) {
          expect(reasonOf(await store.ledger.redeem(codeAttempt(c, 3, `u${i}`, `o${i}`)))).toBe(
            'accepted',
          );
        }
        expect(await store.ledger.codeState('AAA', 3)).toEqual({ used: 5, revoked: false });
        expect((await store.ledger.usage('AAA', undefined, TODAY)).globalTotal).toBe(5);
      });

      it('refuses a revoked code first, then a used-up one, before any counter', async () => {
        const c = withCodes(coupon('AAA', { globalTotal: 1 }), 10, 1);
        await create(c);
        expect(reasonOf(await store.ledger.redeem(codeAttempt(c, 1, 'u1', 'o1')))).toBe('accepted');
        expect(await store.ledger.revokeCode(c, 2, NOW)).toBe('revoked');
        // The global count is full: a code's own refusal still comes first.
        const revoked = await store.ledger.redeem(codeAttempt(c, 2, 'u2', 'o2'));
        expect(revoked).toMatchObject({
          reason: 'CODE_REVOKED',
          couponCode: uniqueCode(c, 2),
          coupon: 'AAA',
          remaining: { globalTotal: 0 },
        });
        expect(reasonOf(await store.ledger.redeem(codeAttempt(c, 1, 'u2', 'o3')))).toBe(
          'CODE_LIMIT_REACHED',
        );
        expect(reasonOf(await store.ledger.redeem(codeAttempt(c, 3, 'u2', 'o4')))).toBe(
          'GLOBAL_LIMIT_REACHED',
        );
        expect(await store.ledger.revokeCode(c, 1, NOW)).toBe('revoked');
        expect(reasonOf(await store.ledger.redeem(codeAttempt(c, 1, 'u2', 'o5')))).toBe(
          'CODE_REVOKED',
        );
        expect(await store.ledger.findOutcome('AAA', 'order:o2', NOW + 24 * HOUR - 1)).toEqual(
          revoked,
        );
        expect(await store.ledger.findOutcome('AAA', 'order:o2', NOW + 24 * HOUR)).toBeUndefined();
        expect(await store.ledger.usage('AAA', 'u2', TODAY)).toEqual({
          ...NONE_USED,
          globalTotal: 1,
        });
        expect(await store.ledger.codeState('AAA', 1)).toEqual({ used: 1, revoked: true });
        expect(await store.ledger.codeState('AAA', 2)).toEqual({ used: 0, revoked: true });
        expect(
          summaryOf(await store.log.list('AAA', { limit: 10 }, NOW)).filter((e) =>
            e.includes('CODE_'),
          ),
        ).toEqual([
          'u2 o2 rejected CODE_REVOKED',
          'u2 o3 rejected CODE_LIMIT_REACHED',
          'u2 o5 rejected CODE_REVOKED',
        ]);
      });

      it('gives a code’s use back with a rollback, so it can be used again', async () => {
        const c = withCodes(coupon('AAA', { globalTotal: 5 }), 10, 1);
        await create(c);
        await store.ledger.redeem(codeAttempt(c, 4, 'u1', 'o1'));
        expect(reasonOf(await store.ledger.redeem(codeAttempt(c, 4, 'u2', 'o2')))).toBe(
          'CODE_LIMIT_REACHED',
        );
        expect(await store.ledger.rollback(rollback(c, 'u1', 'o1'))).toEqual({
          status: 'rolled-back',
          restored: ALL_RESTORED,
        });
        expect(await store.ledger.rollback(rollback(c, 'u1', 'o1'))).toEqual({
          status: 'already-rolled-back',
        });
        expect(await store.ledger.codeState('AAA', 4)).toEqual({ used: 0, revoked: false });
        expect(reasonOf(await store.ledger.redeem(codeAttempt(c, 4, 'u2', 'o3')))).toBe('accepted');
        expect(await store.ledger.codeState('AAA', 4)).toEqual({ used: 1, revoked: false });
        const [last, rolledBack] = (await store.log.list('AAA', { limit: 2 }, NOW)).items;
        expect(last).toMatchObject({ orderId: 'o3', uniqueCode: uniqueCode(c, 4) });
        expect(rolledBack).toMatchObject({
          orderId: 'o1',
          status: 'rolled-back',
          couponCode: 'AAA',
          uniqueCode: uniqueCode(c, 4),
        });
      });

      it('deletes a coupon’s code uses and revocations with it; a rollback of before gives none back', async () => {
        const c = withCodes(coupon('AAA'), 10, 1);
        await create(c);
        await store.ledger.redeem(codeAttempt(c, 1, 'u1', 'o1'));
        await store.ledger.revokeCode(c, 2, NOW);
        expect(await store.coupons.delete('AAA')).toBe(true);
        expect(await store.ledger.codeState('AAA', 1)).toEqual({ used: 0, revoked: false });
        expect(await store.ledger.codeState('AAA', 2)).toEqual({ used: 0, revoked: false });
        expect(await store.ledger.revokeCode(c, 3, NOW)).toBe('stale');
        await create(c);
        for (const index of [1, 2]) {
          expect(
            reasonOf(await store.ledger.redeem(codeAttempt(c, index, 'u2', `n${index}`))),
          ).toBe('accepted');
        }
        expect(await store.ledger.rollback(rollback(c, 'u1', 'o1'))).toEqual({
          status: 'rolled-back',
          restored: { globalTotal: false, userTotal: false, userWeekly: false, userDaily: false },
        });
        expect(await store.ledger.codeState('AAA', 1)).toEqual({ used: 1, revoked: false });
      });

      it('2,000 concurrent redemptions of 500 single-use codes by 300 users (userTotal 2, globalTotal 700): each code used at most once, no user above 2, the coupon count equals the accepted outcomes', async () => {
        const c = withCodes(coupon('AAA', { userTotal: 2, globalTotal: 700 }), 500, 1);
        await create(c);
        // A fixed pseudo-random draw (mulberry32), so a failure can be run again as it was.
        let state = 16;
        const draw = (n: number) => {
          state = (state + 0x6d2b79f5) | 0;
          let t = Math.imul(state ^ (state >>> 15), 1 | state);
          t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
          return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
        };
        const attempts = Array.from({ length: 2000 }, (_, i) =>
          codeAttempt(c, draw(500), `u${draw(300)}`, `o${i}`),
        );
        const outcomes = await Promise.all(attempts.map((a) => store.ledger.redeem(a)));
        const accepted = outcomes.filter((o) => o !== STALE_COUPON && o.status === 'accepted');
        const reasons = new Set(outcomes.map(reasonOf));
        reasons.delete('accepted');
        expect([...reasons].sort()).toEqual(['CODE_LIMIT_REACHED', 'USER_TOTAL_LIMIT_REACHED']);

        const states = await Promise.all(
          Array.from({ length: 500 }, (_, i) => store.ledger.codeState('AAA', i)),
        );
        expect(Math.max(...states.map((state) => state.used))).toBe(1);
        const codesUsed = states.filter((state) => state.used === 1).length;
        expect(codesUsed).toBe(accepted.length);
        expect(new Set(accepted.map((o) => (o as RedemptionOutcome).couponCode)).size).toBe(
          accepted.length,
        );
        const users = await Promise.all(
          Array.from({ length: 300 }, (_, i) => store.ledger.usage('AAA', `u${i}`, TODAY)),
        );
        expect(Math.max(...users.map((used) => used.userTotal))).toBe(2);
        expect(users.reduce((sum, used) => sum + used.userTotal, 0)).toBe(accepted.length);
        expect((await store.ledger.usage('AAA', undefined, TODAY)).globalTotal).toBe(
          accepted.length,
        );
        // Every code drawn was used once, unless all its askers had used their two already.
        expect(accepted.length).toBeGreaterThan(400);
      }, 60_000);

      it('hands out copies of a coupon’s codes: changing them changes nothing stored', async () => {
        const c = withCodes(coupon('AAA'), 100, 1);
        await create(c);
        const stored = structuredClone(c.codes);
        const read = (await store.coupons.get('AAA'))!;
        read.codes!.batches[0]!.usesPerCode = 99;
        read.codes!.batches.push({ ...read.codes!.batches[0]!, batch: 2 });
        c.codes!.batches[0]!.count = 5;
        expect((await store.coupons.get('AAA'))!.codes).toEqual(stored);
      });
    });

    describe('checkout holds', () => {
      const MINUTE = 60_000;
      /** A hold's default length in these tests: it ends at NOW + 10 minutes. */
      const TTL_MS = 10 * MINUTE;
      const EXPIRES = NOW + TTL_MS;

      type HoldOptions = {
        periods?: Periods;
        now?: number;
        expiresAt?: number;
        /** Reserve with the unique code at this index of the coupon's codes. */
        index?: number;
        publication?: string;
      };
      /** The request of `c` with the unique code at `index`, placed as the service places it. */
      const placed = (c: Coupon, index: number | undefined) => {
        if (index === undefined) return {};
        const code = uniqueCode(c, index);
        const at = placeCode(c.code, c.codes, code)!;
        return {
          couponCode: code,
          coupon: c.code,
          uniqueCode: { index: at.index, limit: at.batch.usesPerCode },
        };
      };
      const reserve = (c: Coupon, userId: string, orderId: string, o: HoldOptions = {}) => {
        const { couponCode, coupon: couponOf, uniqueCode: unique } = placed(c, o.index);
        const a: ReserveAttempt = {
          request: {
            couponCode: couponCode ?? c.code,
            ...(couponOf && { coupon: couponOf }),
            userId,
            orderId,
          },
          publication: o.publication ?? '',
          outcomeKey: outcomeKey(orderId, undefined)!,
          coupon: c,
          ...(unique && { uniqueCode: unique }),
          periods: o.periods ?? TODAY,
          now: o.now ?? NOW,
          expiresAt: o.expiresAt ?? (o.now ?? NOW) + TTL_MS,
        };
        return store.ledger.reserve(a);
      };
      /** A redeem, which confirms the order's live hold when its holder makes it. */
      const redeem = (c: Coupon, userId: string, orderId: string, o: HoldOptions = {}) => {
        const { couponCode, coupon: couponOf, uniqueCode: unique } = placed(c, o.index);
        const a: RedeemAttempt = {
          request: {
            couponCode: couponCode ?? c.code,
            ...(couponOf && { coupon: couponOf }),
            userId,
            orderId,
          },
          publication: o.publication ?? '',
          outcomeKey: outcomeKey(orderId, undefined),
          coupon: c,
          ...(unique && { uniqueCode: unique }),
          periods: o.periods ?? TODAY,
          now: o.now ?? NOW,
        };
        return store.ledger.redeem(a);
      };
      const release = (
        code: string,
        userId: string,
        orderId: string,
        now = NOW,
        unique?: string,
      ): Promise<'released' | 'not-found'> => {
        const a: ReleaseAttempt = {
          coupon: code,
          orderId,
          userId,
          ...(unique !== undefined && { uniqueCode: unique }),
          now,
        };
        return store.ledger.release(a);
      };
      const counts = (code: string, userId?: string, now = NOW, periods = TODAY, index?: number) =>
        store.ledger.counts(code, userId, periods, now, index);
      const reasonOf = (
        outcome: ReservationOutcome | RedemptionOutcome | typeof STALE_COUPON,
      ): string => (outcome === STALE_COUPON ? outcome : (outcome.reason ?? outcome.status));
      const ONE_OF_EACH = { globalTotal: 1, userTotal: 1, userWeekly: 1, userDaily: 1 };

      it('holds one use against every counter and the unique code’s own uses; remaining subtracts it', async () => {
        const c = withCodes(
          coupon('AAA', { globalTotal: 10, userTotal: 5, userWeekly: 4, userDaily: 3 }),
          10,
          2,
        );
        await create(c);
        const held = await reserve(c, 'u1', 'o1', { index: 4 });
        expect(held).toEqual({
          status: 'reserved',
          couponCode: uniqueCode(c, 4),
          coupon: 'AAA',
          userId: 'u1',
          orderId: 'o1',
          expiresAt: new Date(EXPIRES).toISOString(),
          remaining: { globalTotal: 9, userTotal: 4, userWeekly: 3, userDaily: 2 },
          processedAt: new Date(NOW).toISOString(),
        });
        expect(await counts('AAA', 'u1', NOW, TODAY, 4)).toEqual({
          used: NONE_USED,
          held: ONE_OF_EACH,
          codeHeld: 1,
        });
        expect(await counts('AAA', undefined)).toEqual({
          used: NONE_USED,
          held: { ...NONE_USED, globalTotal: 1 },
          codeHeld: 0,
        });
        // Nothing is counted as used by a hold.
        expect(await store.ledger.usage('AAA', 'u1', TODAY)).toEqual(NONE_USED);
        expect(await store.ledger.codeState('AAA', 4)).toEqual({ used: 0, revoked: false });
        expect(await store.ledger.findHold('AAA', 'o1', NOW)).toMatchObject({
          orderId: 'o1',
          userId: 'u1',
          uniqueCode: uniqueCode(c, 4),
          codeIndex: 4,
          reservedAt: NOW,
          expiresAt: EXPIRES,
        });
        // Another user's redemption and reservation see the held use subtracted.
        expect(await redeem(c, 'u2', 'o2')).toMatchObject({
          status: 'accepted',
          remaining: { globalTotal: 8, userTotal: 4, userWeekly: 3, userDaily: 2 },
        });
        expect(await reserve(c, 'u1', 'o3', { index: 4 })).toMatchObject({
          status: 'reserved',
          remaining: { globalTotal: 7, userTotal: 3, userWeekly: 2, userDaily: 1 },
        });
        // The code's two uses are both held now.
        expect(reasonOf(await reserve(c, 'u3', 'o4', { index: 4 }))).toBe('CODE_LIMIT_REACHED');
        expect(reasonOf(await redeem(c, 'u3', 'o5', { index: 4 }))).toBe('CODE_LIMIT_REACHED');
        expect(await counts('AAA', 'u1', NOW, TODAY, 4)).toEqual({
          used: { ...NONE_USED, globalTotal: 1 }, // u2's
          held: { globalTotal: 2, userTotal: 2, userWeekly: 2, userDaily: 2 },
          codeHeld: 2,
        });
      });

      it.each([
        ['globalTotal', 'u2', 'GLOBAL_LIMIT_REACHED'],
        ['userTotal', 'u1', 'USER_TOTAL_LIMIT_REACHED'],
        ['userWeekly', 'u1', 'USER_WEEKLY_LIMIT_REACHED'],
        ['userDaily', 'u1', 'USER_DAILY_LIMIT_REACHED'],
      ] as const)(
        'a live hold fills %s 1: %s is refused a reserve and a plain redeem of another order',
        async (limit, other, reason) => {
          const c = coupon('AAA', { [limit]: 1 });
          await create(c);
          expect(await reserve(c, 'u1', 'o1')).toMatchObject({
            status: 'reserved',
            remaining: { [limit]: 0 },
          });
          const refused = await reserve(c, other, 'o2');
          expect(refused).toEqual({
            status: 'rejected',
            reason,
            couponCode: 'AAA',
            userId: other,
            orderId: 'o2',
            remaining: { ...UNLIMITED, [limit]: 0 },
            processedAt: new Date(NOW).toISOString(),
          });
          expect(reasonOf(await redeem(c, other, 'o3'))).toBe(reason);
          // A refused reserve holds nothing.
          expect((await counts('AAA', other)).held[limit]).toBe(1);
          expect(await store.ledger.findHold('AAA', 'o2', NOW)).toBeUndefined();
          expect(await store.ledger.usage('AAA', other, TODAY)).toEqual(NONE_USED);
        },
      );

      it('answers a second reserve of the same order with the first hold, holding nothing more', async () => {
        const c = coupon('AAA', { globalTotal: 5 });
        await create(c);
        const first = await reserve(c, 'u1', 'o1');
        const again = await reserve(c, 'u1', 'o1', {
          now: NOW + MINUTE,
          expiresAt: NOW + 60 * MINUTE,
          publication: 'job-2@1',
        });
        expect(again).toEqual(first);
        expect(again).toMatchObject({
          expiresAt: new Date(EXPIRES).toISOString(),
          processedAt: new Date(NOW).toISOString(),
          remaining: { globalTotal: 4 },
        });
        expect((await counts('AAA', 'u1', NOW + MINUTE)).held).toEqual(ONE_OF_EACH);
        // The hold still ends when the first reserve said.
        expect((await counts('AAA', 'u1', EXPIRES)).held).toEqual(NONE_USED);
      });

      it('refuses ORDER_CONFLICT to a reserve of an order held by another user or code, or whose redemption stands', async () => {
        const c = withCodes(coupon('AAA', { globalTotal: 5 }), 10, 1);
        await create(c);
        await reserve(c, 'u1', 'o1');
        const conflict = await reserve(c, 'u2', 'o1');
        expect(conflict).toMatchObject({
          status: 'rejected',
          reason: 'ORDER_CONFLICT',
          userId: 'u2',
          orderId: 'o1',
          remaining: { globalTotal: 4 },
        });
        expect(reasonOf(await reserve(c, 'u1', 'o1', { index: 1 }))).toBe('ORDER_CONFLICT');
        expect(await store.ledger.findHold('AAA', 'o1', NOW)).toMatchObject({ userId: 'u1' });
        expect((await counts('AAA', 'u2')).held).toEqual({ ...NONE_USED, globalTotal: 1 });

        await reserve(c, 'u1', 'o2', { index: 2 });
        expect(reasonOf(await reserve(c, 'u1', 'o2'))).toBe('ORDER_CONFLICT');
        expect(reasonOf(await reserve(c, 'u1', 'o2', { index: 3 }))).toBe('ORDER_CONFLICT');

        expect(reasonOf(await redeem(c, 'u1', 'o3'))).toBe('accepted');
        expect(reasonOf(await reserve(c, 'u1', 'o3'))).toBe('ORDER_CONFLICT');
        expect(reasonOf(await reserve(c, 'u2', 'o3'))).toBe('ORDER_CONFLICT');
        expect(await store.ledger.findHold('AAA', 'o3', NOW)).toBeUndefined();
        // Rolled back, the order can be held again.
        await store.ledger.rollback(rollback(c, 'u1', 'o3'));
        expect(reasonOf(await reserve(c, 'u1', 'o3'))).toBe('reserved');
        expect((await counts('AAA', 'u1')).held.globalTotal).toBe(3);
        expect((await counts('AAA', 'u1')).used.globalTotal).toBe(0);
      });

      it('refuses a redeem of a held order by another user or with another code (ORDER_CONFLICT)', async () => {
        const c = withCodes(coupon('AAA', { globalTotal: 5 }), 10, 1);
        await create(c);
        await reserve(c, 'u1', 'o1');
        expect(await redeem(c, 'u2', 'o1')).toMatchObject({
          status: 'rejected',
          reason: 'ORDER_CONFLICT',
          userId: 'u2',
          remaining: { globalTotal: 4 },
        });
        expect(reasonOf(await redeem(c, 'u1', 'o1', { index: 1 }))).toBe('ORDER_CONFLICT');
        expect(await counts('AAA', 'u1')).toEqual({
          used: NONE_USED,
          held: ONE_OF_EACH,
          codeHeld: 0,
        });
        // The holder confirms it still.
        expect(await redeem(c, 'u1', 'o1')).toMatchObject({
          status: 'accepted',
          hold: 'confirmed',
        });
      });

      it('confirms a held order for its holder although the cap is otherwise full, counting it once', async () => {
        const c = coupon('AAA', { globalTotal: 1 });
        await create(c);
        expect(reasonOf(await reserve(c, 'A', 'oA'))).toBe('reserved');
        expect(reasonOf(await reserve(c, 'B', 'oB'))).toBe('GLOBAL_LIMIT_REACHED');
        expect(reasonOf(await redeem(c, 'B', 'oB2'))).toBe('GLOBAL_LIMIT_REACHED');
        const confirmed = await redeem(c, 'A', 'oA', { now: NOW + MINUTE });
        expect(confirmed).toEqual({
          status: 'accepted',
          couponCode: 'AAA',
          userId: 'A',
          orderId: 'oA',
          discountPercentage: 15,
          remaining: { ...UNLIMITED, globalTotal: 0 },
          processedAt: new Date(NOW + MINUTE).toISOString(),
          hold: 'confirmed',
        });
        expect(await counts('AAA', 'A', NOW + MINUTE)).toEqual({
          used: ONE_OF_EACH,
          held: NONE_USED,
          codeHeld: 0,
        });
        expect(await store.ledger.findHold('AAA', 'oA', NOW + MINUTE)).toBeUndefined();
        expect(await store.ledger.findOutcome('AAA', 'order:oA', NOW + MINUTE)).toEqual(confirmed);
        // Replayed, not counted again; the hold is gone, so a reserve of the order conflicts.
        expect(await redeem(c, 'A', 'oA', { now: NOW + 2 * MINUTE })).toEqual(confirmed);
        expect(reasonOf(await reserve(c, 'A', 'oA', { now: NOW + 2 * MINUTE }))).toBe(
          'ORDER_CONFLICT',
        );
        expect((await counts('AAA', 'A', NOW + 2 * MINUTE)).used.globalTotal).toBe(1);
        expect(reasonOf(await reserve(c, 'B', 'oB', { now: NOW + 2 * MINUTE }))).toBe(
          'GLOBAL_LIMIT_REACHED',
        );
      });

      it('confirms a hold on a unique code with that code, counting the code’s use once', async () => {
        const c = withCodes(coupon('AAA'), 10, 1);
        await create(c);
        await reserve(c, 'u1', 'o1', { index: 3 });
        expect(await redeem(c, 'u1', 'o1', { index: 3 })).toMatchObject({
          status: 'accepted',
          couponCode: uniqueCode(c, 3),
          coupon: 'AAA',
          hold: 'confirmed',
        });
        expect(await store.ledger.codeState('AAA', 3)).toEqual({ used: 1, revoked: false });
        expect((await counts('AAA', 'u1', NOW, TODAY, 3)).codeHeld).toBe(0);
        expect(reasonOf(await redeem(c, 'u2', 'o2', { index: 3 }))).toBe('CODE_LIMIT_REACHED');
      });

      it('refuses the confirm of a hold whose code was revoked since, leaving the hold until it ends', async () => {
        const c = withCodes(coupon('AAA', { globalTotal: 1 }), 10, 1);
        await create(c);
        await reserve(c, 'u1', 'o1', { index: 2 });
        expect(await store.ledger.revokeCode(c, 2, NOW + 1)).toBe('revoked');
        const refused = await redeem(c, 'u1', 'o1', { index: 2, now: NOW + 2 });
        expect(refused).toMatchObject({ status: 'rejected', reason: 'CODE_REVOKED' });
        expect(refused).not.toHaveProperty('hold');
        expect(await store.ledger.findHold('AAA', 'o1', NOW + 2)).toMatchObject({ userId: 'u1' });
        expect(await counts('AAA', 'u1', NOW + 2, TODAY, 2)).toEqual({
          used: NONE_USED,
          held: ONE_OF_EACH,
          codeHeld: 1,
        });
        expect(await store.ledger.codeState('AAA', 2)).toEqual({ used: 0, revoked: true });
        expect(reasonOf(await reserve(c, 'u2', 'o2', { now: NOW + 3 }))).toBe(
          'GLOBAL_LIMIT_REACHED',
        );
        expect(await release('AAA', 'u1', 'o1', NOW + 4)).toBe('released');
        expect(reasonOf(await reserve(c, 'u2', 'o2', { now: NOW + 5 }))).toBe('reserved');
      });

      it('frees a released hold at once, only for its user', async () => {
        const c = withCodes(coupon('AAA', { globalTotal: 1 }), 10, 1);
        await create(c);
        await reserve(c, 'u1', 'o1', { index: 5 });
        expect(await release('AAA', 'u2', 'o1')).toBe('not-found');
        expect(await release('AAA', 'u1', 'nope')).toBe('not-found');
        expect(await release('AAA', 'u1', 'o1', NOW, uniqueCode(c, 6))).toBe('not-found');
        expect(await release('NOPE', 'u1', 'o1')).toBe('not-found');
        expect((await counts('AAA', 'u1')).held.globalTotal).toBe(1);
        expect(await release('AAA', 'u1', 'o1', NOW + 1, uniqueCode(c, 5))).toBe('released');
        expect(await release('AAA', 'u1', 'o1', NOW + 2)).toBe('not-found');
        expect(await counts('AAA', 'u1', NOW + 2, TODAY, 5)).toEqual({
          used: NONE_USED,
          held: NONE_USED,
          codeHeld: 0,
        });
        expect(await store.ledger.findHold('AAA', 'o1', NOW + 2)).toBeUndefined();
        expect(reasonOf(await reserve(c, 'u2', 'o2', { now: NOW + 3, index: 5 }))).toBe('reserved');
        // By the coupon's own code too.
        expect(await release('AAA', 'u2', 'o2', NOW + 4)).toBe('released');
        // A released order may be held again, and a released hold's redeem is decided afresh.
        expect(reasonOf(await redeem(c, 'u1', 'o1', { now: NOW + 5 }))).toBe('accepted');
        expect(await redeem(c, 'u1', 'o1', { now: NOW + 5 })).not.toHaveProperty('hold');
      });

      it('stops counting a hold at its expiry, with no sweeper: held 0, and a new reserve and redeem succeed', async () => {
        const c = coupon('AAA', { globalTotal: 1 });
        await create(c);
        const expiredBefore = store.ledger.expiredHolds;
        await reserve(c, 'A', 'oA');
        expect((await counts('AAA', undefined, EXPIRES - 1)).held.globalTotal).toBe(1);
        expect(await store.ledger.findHold('AAA', 'oA', EXPIRES - 1)).toBeDefined();
        expect(reasonOf(await reserve(c, 'B', 'oB', { now: EXPIRES - 1 }))).toBe(
          'GLOBAL_LIMIT_REACHED',
        );
        // Exactly at expiresAt the hold counts no more.
        expect(await store.ledger.findHold('AAA', 'oA', EXPIRES)).toBeUndefined();
        expect((await counts('AAA', undefined, EXPIRES)).held.globalTotal).toBe(0);
        expect(await reserve(c, 'B', 'oB', { now: EXPIRES })).toMatchObject({
          status: 'reserved',
          remaining: { globalTotal: 0 },
        });
        expect(store.ledger.expiredHolds).toBe(expiredBefore + 1);
        // B's hold expires in turn; a plain redeem then takes the use.
        const later = EXPIRES + TTL_MS + 1;
        expect(reasonOf(await redeem(c, 'C', 'oC', { now: later }))).toBe('accepted');
        expect(await counts('AAA', 'C', later)).toEqual({
          used: ONE_OF_EACH,
          held: NONE_USED,
          codeHeld: 0,
        });
        expect(store.ledger.expiredHolds).toBe(expiredBefore + 2);
      });

      it('decides a redeem after the hold expired afresh: refused when the cap is full by then', async () => {
        const c = coupon('AAA', { globalTotal: 1 });
        await create(c);
        await reserve(c, 'A', 'oA');
        expect(reasonOf(await redeem(c, 'B', 'oB', { now: EXPIRES }))).toBe('accepted');
        const late = await redeem(c, 'A', 'oA', { now: EXPIRES + 1 });
        expect(late).toMatchObject({ status: 'rejected', reason: 'GLOBAL_LIMIT_REACHED' });
        expect(late).not.toHaveProperty('hold');
        expect((await counts('AAA', 'A', EXPIRES + 1)).used.globalTotal).toBe(1);
      });

      it('accepts a redeem after the hold expired as a plain redemption when there is room', async () => {
        const c = coupon('AAA', { globalTotal: 2 });
        await create(c);
        await reserve(c, 'A', 'oA');
        const late = await redeem(c, 'A', 'oA', { now: EXPIRES });
        expect(late).toMatchObject({ status: 'accepted', remaining: { globalTotal: 1 } });
        expect(late).not.toHaveProperty('hold');
        expect(await counts('AAA', 'A', EXPIRES)).toEqual({
          used: ONE_OF_EACH,
          held: NONE_USED,
          codeHeld: 0,
        });
      });

      it('counts a confirmed hold in the day it was reserved in, not the day it was paid in', async () => {
        // Reserved at 23:59 of TODAY, paid at 00:01 of TOMORROW (the same week).
        const c = coupon('AAA', { userDaily: 1, userWeekly: 5 });
        await create(c);
        await reserve(c, 'u1', 'o1', { periods: TODAY });
        expect((await counts('AAA', 'u1', NOW, TODAY)).held).toEqual(ONE_OF_EACH);
        // The hold was made yesterday: it holds nothing of the new day.
        expect((await counts('AAA', 'u1', NOW + 1, TOMORROW)).held).toEqual({
          ...ONE_OF_EACH,
          userDaily: 0,
        });
        const paid = await redeem(c, 'u1', 'o1', { periods: TOMORROW, now: NOW + 2 * MINUTE });
        expect(paid).toMatchObject({ status: 'accepted', hold: 'confirmed' });
        expect(await counts('AAA', 'u1', NOW + 2 * MINUTE, TOMORROW)).toEqual({
          used: { globalTotal: 1, userTotal: 1, userWeekly: 1, userDaily: 0 },
          held: NONE_USED,
          codeHeld: 0,
        });
        // The new day's one use is still free.
        expect(
          reasonOf(await redeem(c, 'u1', 'o2', { periods: TOMORROW, now: NOW + 3 * MINUTE })),
        ).toBe('accepted');
        expect(
          reasonOf(await redeem(c, 'u1', 'o3', { periods: TOMORROW, now: NOW + 4 * MINUTE })),
        ).toBe('USER_DAILY_LIMIT_REACHED');
      });

      it('logs reserved, confirmed, released and expired holds, and no refused reserve', async () => {
        const c = coupon('AAA', { globalTotal: 3 });
        await create(c);
        await reserve(c, 'u1', 'o1');
        await reserve(c, 'u2', 'o2');
        await reserve(c, 'u3', 'o3', { expiresAt: NOW + MINUTE });
        await reserve(c, 'u4', 'o4'); // refused: full
        await reserve(c, 'u1', 'o1'); // the first hold answers again
        await redeem(c, 'u1', 'o1', { now: NOW + 1 });
        await release('AAA', 'u2', 'o2', NOW + 2);
        await counts('AAA', undefined, NOW + MINUTE); // finds o3 expired
        const log = await store.log.list('AAA', { limit: 20 }, NOW + MINUTE);
        expect(summaryOf(log)).toEqual([
          'u1 o1 reserved',
          'u2 o2 reserved',
          'u3 o3 reserved',
          'u1 o1 confirmed',
          'u2 o2 released',
          'u3 o3 expired',
        ]);
        expect(log.items[0]).toMatchObject({ at: new Date(NOW + MINUTE).toISOString() });
        for (const status of ['reserved', 'confirmed', 'released', 'expired'] as const) {
          const page = await store.log.list('AAA', { limit: 20, status }, NOW + MINUTE);
          expect(page.items.every((entry) => entry.status === status)).toBe(true);
          expect(page.items.length).toBe(status === 'reserved' ? 3 : 1);
        }
      });

      it('gives the use of a confirmed hold back on rollback', async () => {
        const c = coupon('AAA', { globalTotal: 1, userDaily: 1 });
        await create(c);
        await reserve(c, 'u1', 'o1');
        await redeem(c, 'u1', 'o1');
        expect(await store.ledger.rollback(rollback(c, 'u1', 'o1'))).toEqual({
          status: 'rolled-back',
          restored: ALL_RESTORED,
        });
        expect(await counts('AAA', 'u1')).toEqual({
          used: NONE_USED,
          held: NONE_USED,
          codeHeld: 0,
        });
        expect(reasonOf(await reserve(c, 'u2', 'o2'))).toBe('reserved');
      });

      it('drops a coupon’s holds with the coupon', async () => {
        const c = coupon('AAA', { globalTotal: 1 });
        await create(c);
        await reserve(c, 'u1', 'o1');
        expect(await store.coupons.delete('AAA')).toBe(true);
        expect(await store.ledger.findHold('AAA', 'o1', NOW)).toBeUndefined();
        expect(reasonOf(await reserve(c, 'u1', 'o2'))).toBe(STALE_COUPON);
        await create(c);
        expect(await counts('AAA', 'u1')).toEqual({
          used: NONE_USED,
          held: NONE_USED,
          codeHeld: 0,
        });
        expect(await store.ledger.findHold('AAA', 'o1', NOW)).toBeUndefined();
        expect(await release('AAA', 'u1', 'o1')).toBe('not-found');
        expect(reasonOf(await reserve(c, 'u2', 'o1'))).toBe('reserved');
      });

      it('refuses a reserve against a coupon changed since it was read', async () => {
        const c = coupon('AAA');
        await create(c);
        await store.coupons.save({ ...c, repeatCounts: { ...c.repeatCounts, globalTotal: 0 } }, c);
        expect(await reserve(c, 'u1', 'o1')).toBe(STALE_COUPON);
        expect((await counts('AAA', 'u1')).held).toEqual(NONE_USED);
      });

      it('erases a user’s holds with the user, leaving others’', async () => {
        const c = coupon('AAA', { globalTotal: 2 });
        const d = coupon('BBB', { globalTotal: 1 });
        await create(c);
        await create(d);
        await reserve(c, 'u1', 'o1');
        await reserve(c, 'u2', 'o2');
        await reserve(d, 'u1', 'o3');
        await store.ledger.eraseUser('u1', NOW + 1);
        expect(await store.ledger.findHold('AAA', 'o1', NOW + 1)).toBeUndefined();
        expect(await store.ledger.findHold('BBB', 'o3', NOW + 1)).toBeUndefined();
        expect(await store.ledger.findHold('AAA', 'o2', NOW + 1)).toMatchObject({ userId: 'u2' });
        expect(await counts('AAA', 'u1', NOW + 1)).toEqual({
          used: NONE_USED,
          held: { ...NONE_USED, globalTotal: 1 },
          codeHeld: 0,
        });
        expect((await counts('BBB', undefined, NOW + 1)).held.globalTotal).toBe(0);
        expect(reasonOf(await reserve(d, 'u3', 'o4', { now: NOW + 2 }))).toBe('reserved');
      });

      it('1,000 concurrent reserves by 1,000 users against globalTotal 100: exactly 100 held; confirmed once each, released ones free at once, expired ones free at their instant', async () => {
        const c = coupon('AAA', { globalTotal: 100 });
        await create(c);
        const outcomes = await Promise.all(
          Array.from({ length: 1000 }, (_, i) => reserve(c, `u${i}`, `o${i}`)),
        );
        const reserved = outcomes.filter((o) => o !== STALE_COUPON && o.status === 'reserved');
        expect(reserved).toHaveLength(100);
        expect(new Set(outcomes.map(reasonOf))).toEqual(
          new Set(['reserved', 'GLOBAL_LIMIT_REACHED']),
        );
        expect(await counts('AAA', undefined)).toEqual({
          used: NONE_USED,
          held: { ...NONE_USED, globalTotal: 100 },
          codeHeld: 0,
        });
        const holders = reserved.map((o) => (o as ReservationOutcome).userId);
        const orderOf = (userId: string) => `o${userId.slice(1)}`;
        // 90 holders pay (each confirm sent twice, at once), 10 abandon; 200 others try meanwhile.
        const [payers, leavers] = [holders.slice(0, 90), holders.slice(90)];
        const t = NOW + MINUTE;
        const [confirms, releases, others] = await Promise.all([
          Promise.all([...payers, ...payers].map((u) => redeem(c, u, orderOf(u), { now: t }))),
          Promise.all(leavers.map((u) => release('AAA', u, orderOf(u), t))),
          Promise.all(
            Array.from({ length: 200 }, (_, i) => redeem(c, `late${i}`, `late${i}`, { now: t })),
          ),
        ]);
        expect(confirms.every((o) => o !== STALE_COUPON && o.hold === 'confirmed')).toBe(true);
        expect(new Set(confirms.map((o) => (o as RedemptionOutcome).orderId)).size).toBe(90);
        expect(releases).toEqual(Array(10).fill('released'));
        const lateAccepted = others.filter((o) => o !== STALE_COUPON && o.status === 'accepted');
        // The 10 released uses are all the room there was.
        expect(lateAccepted.length).toBeLessThanOrEqual(10);
        const after = await counts('AAA', undefined, t);
        expect(after.used.globalTotal).toBe(90 + lateAccepted.length);
        expect(after.held.globalTotal).toBe(0);
        // What the late ones left is free at once: reserves take exactly that.
        const free = 10 - lateAccepted.length;
        const again = await Promise.all(
          Array.from({ length: 50 }, (_, i) => reserve(c, `next${i}`, `next${i}`, { now: t })),
        );
        const held = again.filter((o) => o !== STALE_COUPON && o.status === 'reserved');
        expect(held).toHaveLength(free);
        expect((await counts('AAA', undefined, t)).held.globalTotal).toBe(free);
        expect(await counts('AAA', undefined, t)).toMatchObject({
          used: { globalTotal: 100 - free },
        });
        // Past their expiry those holds count no more: the next reserve succeeds at once.
        const past = t + TTL_MS;
        if (free > 0) {
          expect(reasonOf(await reserve(c, 'last', 'last', { now: past }))).toBe('reserved');
          expect((await counts('AAA', undefined, past)).held.globalTotal).toBe(1);
        } else {
          expect(reasonOf(await reserve(c, 'last', 'last', { now: past }))).toBe(
            'GLOBAL_LIMIT_REACHED',
          );
        }
      }, 60_000);

      it('1,000 concurrent reserves against globalTotal 100, then all expire: the 101st reserve succeeds at the expiry instant', async () => {
        const c = coupon('AAA', { globalTotal: 100 });
        await create(c);
        const outcomes = await Promise.all(
          Array.from({ length: 1000 }, (_, i) => reserve(c, `u${i}`, `o${i}`)),
        );
        expect(outcomes.filter((o) => reasonOf(o) === 'reserved')).toHaveLength(100);
        expect(reasonOf(await reserve(c, 'x', 'ox', { now: EXPIRES - 1 }))).toBe(
          'GLOBAL_LIMIT_REACHED',
        );
        expect(reasonOf(await reserve(c, 'x', 'ox', { now: EXPIRES }))).toBe('reserved');
        const after = await counts('AAA', undefined, EXPIRES);
        expect(after).toMatchObject({ used: NONE_USED, held: { globalTotal: 1 } });
        // A holder whose hold expired is decided afresh: there is room for 99.
        expect(await redeem(c, 'u0', 'o0', { now: EXPIRES })).not.toHaveProperty('hold');
      }, 60_000);
    });

    describe('statistics', () => {
      const DAY_MS = 24 * 3600_000;
      const later = (a: RedeemAttempt, now: number, periods: Periods): RedeemAttempt => ({
        ...a,
        now,
        periods,
      });
      const hold = (c: Coupon, userId: string, orderId: string, expiresAt: number) =>
        store.ledger.reserve({
          ...attempt(c, userId, orderId),
          request: { couponCode: c.code, userId, orderId },
          outcomeKey: outcomeKey(orderId, undefined)!,
          expiresAt,
        });
      /** The log of `code`, read at `now`, counted per day of `zone` as the statistics count. */
      const logCounts = async (code: string, days: string[], now: number, zone = 'UTC') => {
        const fields = new Map(days.map((day) => [day, {} as Record<string, number>]));
        let cursor: string | undefined;
        do {
          const page = await store.log.list(code, { limit: 100, cursor }, now);
          for (const entry of page.items) {
            const counts = fields.get(periodsAt(Date.parse(entry.at), zone).day)!;
            for (const field of statsFields(entry.status, entry.reason)) {
              counts[field] = (counts[field] ?? 0) + 1;
            }
          }
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        return days.map((day) => dayStats(day, fields.get(day)!));
      };
      const zero = (day: string) => dayStats(day, {});

      it('counts every logged step by status and reason in the day of its time, as the log has them', async () => {
        const c = coupon('STATS', { globalTotal: 4 });
        await create(c);
        const dayA = periodsAt(NOW, 'UTC').day;
        const dayB = periodsAt(NOW + DAY_MS, 'UTC').day;
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        await store.ledger.redeem(attempt(c, 'u2', 'o2'));
        await store.ledger.redeem(attempt(c, 'u3', 'o1')); // ORDER_CONFLICT
        await store.ledger.rollback(rollback(c, 'u1', 'o1'));
        await hold(c, 'u4', 'h1', NOW + 60_000);
        await store.ledger.redeem(attempt(c, 'u4', 'h1')); // confirms
        await hold(c, 'u5', 'h2', NOW + 60_000);
        await store.ledger.release({ coupon: c.code, orderId: 'h2', userId: 'u5', now: NOW });
        await hold(c, 'u6', 'h3', NOW + 60_000); // expires before day B
        await recordRejection(
          undefined,
          rejectedOutcome(
            { couponCode: c.code, userId: 'u7' },
            'COUPON_INACTIVE',
            NOTHING_REMAINING,
            NOW,
          ),
        );
        // Day B: the first step finds h3 expired and records it with its own time.
        for (const u of ['u8', 'u9', 'u10']) {
          await store.ledger.redeem(later(attempt(c, u, `o-${u}`), NOW + DAY_MS, TOMORROW));
        }

        const stats = await store.stats.days(c.code, [dayA, dayB]);
        expect(stats).toEqual([
          {
            ...zero(dayA),
            accepted: 2,
            confirmed: 1,
            rejected: 2,
            rolledBack: 1,
            reserved: 3,
            released: 1,
            reasons: { ORDER_CONFLICT: 1, COUPON_INACTIVE: 1 },
          },
          {
            ...zero(dayB),
            accepted: 2,
            rejected: 1,
            expired: 1,
            reasons: { GLOBAL_LIMIT_REACHED: 1 },
          },
        ]);
        expect(stats).toEqual(await logCounts(c.code, [dayA, dayB], NOW + DAY_MS));
        expect(await store.stats.days('OTHER', [dayA])).toEqual([zero(dayA)]);
      });

      it('counts in the day of the store’s time zone', async () => {
        const zone = 'Pacific/Kiritimati'; // UTC+14: 23:00 UTC is 13:00 the next day
        const zoned = await makeStore({ ...DEFAULT_STORE_OPTIONS, timeZone: zone });
        const c = coupon('ZONED');
        await zoned.coupons.create(c);
        Object.assign(c, await zoned.coupons.get(c.code));
        const lateUtc = Math.floor(NOW / DAY_MS) * DAY_MS + 23 * 3600_000;
        await zoned.ledger.redeem({ ...attempt(c, 'u1', 'o1'), now: lateUtc });
        const utcDay = periodsAt(lateUtc, 'UTC').day;
        const zoneDay = periodsAt(lateUtc, zone).day;
        expect(zoneDay).not.toBe(utcDay);
        expect(await zoned.stats.days(c.code, [utcDay, zoneDay])).toEqual([
          zero(utcDay),
          { ...zero(zoneDay), accepted: 1 },
        ]);
      });

      it('counts with the log off, counts nothing with STATS_RETENTION_DAYS=0, and outlives erasure and deletion', async () => {
        const day = periodsAt(NOW, 'UTC').day;
        const noLog = await makeStore({ ...DEFAULT_STORE_OPTIONS, logTtlMs: 0 });
        const noStats = await makeStore({ ...DEFAULT_STORE_OPTIONS, statsRetentionMs: 0 });
        for (const s of [noLog, noStats]) {
          const c = coupon('SWITCH');
          await s.coupons.create(c);
          Object.assign(c, await s.coupons.get(c.code));
          await s.ledger.redeem(attempt(c, 'u1', 'o1'));
        }
        expect(await noLog.stats.days('SWITCH', [day])).toEqual([{ ...zero(day), accepted: 1 }]);
        expect((await noLog.log.list('SWITCH', { limit: 5 }, NOW)).items).toEqual([]);
        expect(await noStats.stats.days('SWITCH', [day])).toEqual([zero(day)]);
        expect((await noStats.log.list('SWITCH', { limit: 5 }, NOW)).items).toHaveLength(1);

        const c = coupon('KEPT');
        await create(c);
        await store.ledger.redeem(attempt(c, 'u1', 'o1'));
        await store.ledger.eraseUser('u1', NOW);
        await store.coupons.delete(c.code);
        expect(await store.stats.days('KEPT', [day])).toEqual([{ ...zero(day), accepted: 1 }]);
      });
    });
  });
}

type SentCommand = { name: string; promise: Promise<unknown> };
type Sender = { sendCommand: (command: SentCommand, ...rest: unknown[]) => unknown };

/**
 * Holds commands a client sends, to interleave store operations deterministically: `hold(name)`
 * holds the next command of that name (lower case, e.g. 'zrem', 'evalsha') until `release()`;
 * `reached` resolves once it is held.
 */
export function commandGate(client: Redis | Cluster) {
  const target = client as unknown as Sender;
  const send = target.sendCommand;
  const holds: { name: string; reached: () => void; released: Promise<void> }[] = [];
  const releases: (() => void)[] = [];
  target.sendCommand = function (this: unknown, command, ...rest) {
    const i = holds.findIndex((hold) => hold.name === command.name);
    if (i < 0) return send.call(this, command, ...rest);
    const [hold] = holds.splice(i, 1);
    hold!.reached();
    void hold!.released.then(() => send.call(this, command, ...rest));
    return command.promise;
  };
  return {
    hold(name: string) {
      let reached!: () => void;
      let release!: () => void;
      const held = {
        reached: new Promise<void>((resolve) => (reached = resolve)),
        release: () => release(),
      };
      holds.push({ name, reached, released: new Promise<void>((resolve) => (release = resolve)) });
      releases.push(() => release());
      return held;
    },
    /** Sends what is still held, and lets every later command through. */
    restore() {
      releases.forEach((release) => release());
      target.sendCommand = send;
    },
  };
}

/**
 * The Redis coupon index (a sorted set in a slot of its own, so never atomic with a coupon's
 * script) against deletes, creates and lists of one code interleaved at their worst points.
 */
export function describeCouponIndexRaces(
  name: string,
  makeClient: () => Redis | Cluster,
  cleanup: (prefix: string) => Promise<void>,
) {
  describe(`${name} coupon index races`, () => {
    const client = makeClient();
    const prefix = `${name.replace(/\W/g, '-')}-races-${Date.now()}`;
    const keys = new RedisKeys(prefix);
    const store = redisStores(client, { ...DEFAULT_STORE_OPTIONS, prefix });
    const listed = async () => {
      const page = await store.coupons.list(0, 100);
      return { codes: page.items.map((c) => c.code), total: page.total };
    };
    afterAll(async () => {
      await cleanup(prefix);
      await client.quit();
    });

    it('keeps a coupon created while a delete of its code runs listed', async () => {
      await store.coupons.create(coupon('RACE1'));
      const gate = commandGate(client);
      try {
        // The delete's script has run (the old coupon is gone); its ZREM waits.
        const zrem = gate.hold('zrem');
        const deleting = store.coupons.delete('RACE1');
        await zrem.reached;
        expect(await store.coupons.create(coupon('RACE1'))).toBe(true);
        zrem.release();
        expect(await deleting).toBe(true);
      } finally {
        gate.restore();
      }
      expect(await store.coupons.get('RACE1')).toBeDefined();
      expect(await listed()).toEqual({ codes: ['RACE1'], total: 1 });
      await store.coupons.delete('RACE1');
    });

    it('keeps a coupon listed when a list prunes its entry while it is being created', async () => {
      const gate = commandGate(client);
      try {
        // Listed, not yet created: the create's script waits.
        const script = gate.hold('evalsha');
        const creating = store.coupons.create(coupon('RACE2'));
        await script.reached;
        // The list meets the entry without a coupon and prunes it; its ZREM waits.
        const zrem = gate.hold('zrem');
        const listing = store.coupons.list(0, 100);
        await Promise.race([
          zrem.reached,
          listing.then(() => Promise.reject(new Error('the list left the entry alone'))),
        ]);
        script.release();
        expect(await creating).toBe(true);
        zrem.release();
        await listing;
      } finally {
        gate.restore();
      }
      expect(await listed()).toEqual({ codes: ['RACE2'], total: 1 });
      await store.coupons.delete('RACE2');
    });

    it('prunes an entry left without a coupon, so the total counts coupons only', async () => {
      // As a delete that stopped after its script leaves it.
      await client.zadd(keys.couponIndex, 0, 'GHOST');
      await store.coupons.create(coupon('REAL'));
      expect(await listed()).toEqual({ codes: ['REAL'], total: 1 });
      expect(await client.zscore(keys.couponIndex, 'GHOST')).toBeNull();
      expect(await listed()).toEqual({ codes: ['REAL'], total: 1 });
      await store.coupons.delete('REAL');
    });
  });
}
