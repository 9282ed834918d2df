import { UNLIMITED, type Coupon, type RepeatCounts, type User } from '../src/domain/coupon.js';
import { NOTHING_REMAINING, outcomeKey, rejectedOutcome } from '../src/domain/outcome.js';
import type { Periods } from '../src/domain/periods.js';
import {
  STALE_COUPON,
  type CouponStore,
  type LogEntry,
  type LogQuery,
  type RedeemAttempt,
  type RollbackAttempt,
} from '../src/store/coupon-store.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
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
    version: 1,
  };
}

const user = (id: string, email = `${id}@example.com`): User => ({
  id,
  name: id,
  email,
  createdAt: NOW,
});

/** The behaviour every CouponStore must have; run against each implementation. */
export interface ContractOptions {
  cleanup?: () => Promise<void>;
  /** Whether outcomes expire by the `now` the caller passes (memory) or by the server's own clock (Redis TTLs). */
  outcomesExpireByCallerClock: boolean;
}

export function describeCouponStore(
  name: string,
  makeStore: (options: { outcomeTtlMs: number; logTtlMs: number }) => Promise<CouponStore>,
  { cleanup, outcomesExpireByCallerClock }: ContractOptions,
) {
  describe(`${name} store contract`, () => {
    let store: CouponStore;
    beforeEach(async () => {
      store = await makeStore({ outcomeTtlMs: OUTCOME_TTL_MS, logTtlMs: LOG_TTL_MS });
    });
    afterAll(async () => cleanup?.());

    const attempt = (
      c: Coupon,
      userId: string,
      orderId?: string,
      periods = TODAY,
    ): RedeemAttempt => ({
      request: { couponCode: c.code, userId, ...(orderId !== undefined && { orderId }) },
      outcomeKey: outcomeKey(orderId, undefined),
      couponVersion: c.version,
      limits: c.repeatCounts,
      discountPercentage: c.discountPercentage,
      periods,
      now: NOW,
    });

    describe('coupons', () => {
      it('creates once per code and reads back what it stored', async () => {
        expect(await store.createCoupon(coupon('AAA'))).toBe(true);
        expect(await store.createCoupon({ ...coupon('AAA'), discountPercentage: 50 })).toBe(false);
        expect(await store.getCoupon('AAA')).toEqual(coupon('AAA'));
        expect(await store.getCoupon('NOPE')).toBeUndefined();
      });

      it('hands out copies: changing what it returned changes nothing stored', async () => {
        const given = coupon('AAA', { userDaily: 1 });
        await store.createCoupon(given);
        given.repeatCounts.userDaily = 99;
        const read = (await store.getCoupon('AAA'))!;
        read.repeatCounts.userDaily = 99;
        read.active = false;
        (await store.listCoupons(0, 1)).items[0]!.repeatCounts.userDaily = 99;
        expect(await store.getCoupon('AAA')).toEqual(coupon('AAA', { userDaily: 1 }));
        await store.createUser(user('u1'));
        (await store.getUser('u1'))!.name = 'changed';
        expect(await store.getUser('u1')).toEqual(user('u1'));
      });

      it('lists by code, a page at a time', async () => {
        for (const code of ['CCC', 'AAA', 'BBB']) await store.createCoupon(coupon(code));
        const page = await store.listCoupons(1, 1);
        expect(page.total).toBe(3);
        expect(page.items.map((c) => c.code)).toEqual(['BBB']);
      });

      it('saves only over the version it was read at, and bumps the version', async () => {
        await store.createCoupon(coupon('AAA'));
        expect(await store.saveCoupon({ ...coupon('AAA'), discountPercentage: 20 }, 1)).toBe(
          'saved',
        );
        expect(await store.getCoupon('AAA')).toMatchObject({ discountPercentage: 20, version: 2 });
        expect(await store.saveCoupon({ ...coupon('AAA'), discountPercentage: 30 }, 1)).toBe(
          'conflict',
        );
        expect(await store.saveCoupon(coupon('NOPE'), 1)).toBe('not-found');
      });

      it('never gives a re-created code a version an old read could still hold', async () => {
        const c = coupon('AAA', { globalTotal: 1000 });
        await store.createCoupon(c);
        const read = (await store.getCoupon('AAA'))!;
        await store.deleteCoupon('AAA');
        await store.createCoupon(coupon('AAA', { globalTotal: 0 }));
        expect((await store.getCoupon('AAA'))!.version).not.toBe(read.version);
        expect(await store.redeem(attempt(read, 'u1', 'o1'))).toBe(STALE_COUPON);
        expect((await store.getUsage('AAA', undefined, TODAY)).globalTotal).toBe(0);
      });

      it('deletes a coupon with its usage, keeping the first outcomes of its orders', async () => {
        const c = coupon('AAA');
        await store.createCoupon(c);
        await store.redeem(attempt(c, 'u1', 'o1'));
        expect(await store.deleteCoupon('AAA')).toBe(true);
        expect(await store.deleteCoupon('AAA')).toBe(false);
        await store.createCoupon(c);
        expect(await store.getUsage('AAA', 'u1', TODAY)).toEqual({
          globalTotal: 0,
          userTotal: 0,
          userWeekly: 0,
          userDaily: 0,
        });
        expect(await store.findOutcome('AAA', 'order:o1', NOW)).toMatchObject({
          status: 'accepted',
        });
      });
    });

    describe('users', () => {
      it('refuses a taken id and a taken email in any case', async () => {
        expect(await store.createUser(user('u1', 'Ann@Example.com'))).toBe('created');
        expect(await store.createUser(user('u1', 'other@example.com'))).toBe('id-taken');
        expect(await store.createUser(user('u2', 'ann@example.COM'))).toBe('email-taken');
        expect(await store.getUser('u1')).toEqual(user('u1', 'Ann@Example.com'));
        expect(await store.listUsers(0, 10)).toEqual({
          items: [user('u1', 'Ann@Example.com')],
          total: 1,
        });
      });
    });

    describe('redeem', () => {
      it('counts one use on every counter and reports what is left', async () => {
        const c = coupon('AAA', { globalTotal: 10, userTotal: 5, userWeekly: 4, userDaily: 3 });
        await store.createCoupon(c);
        const outcome = await store.redeem(attempt(c, 'u1', 'o1'));
        expect(outcome).toMatchObject({
          status: 'accepted',
          couponCode: 'AAA',
          userId: 'u1',
          orderId: 'o1',
          discountPercentage: 15,
          remaining: { globalTotal: 9, userTotal: 4, userWeekly: 3, userDaily: 2 },
        });
        expect(await store.getUsage('AAA', 'u1', TODAY)).toEqual({
          globalTotal: 1,
          userTotal: 1,
          userWeekly: 1,
          userDaily: 1,
        });
        expect(await store.getUsage('AAA', undefined, TODAY)).toEqual({
          globalTotal: 1,
          userTotal: 0,
          userWeekly: 0,
          userDaily: 0,
        });
      });

      it('accepts up to a limit exactly and names the first full counter', async () => {
        const c = coupon('AAA', { userTotal: 3, userDaily: 2 });
        await store.createCoupon(c);
        const outcomes: Awaited<ReturnType<CouponStore['redeem']>>[] = [];
        for (let i = 0; i < 4; i++) outcomes.push(await store.redeem(attempt(c, 'u1', `o${i}`)));
        expect(outcomes.map((o) => (o === STALE_COUPON ? o : (o.reason ?? o.status)))).toEqual([
          'accepted',
          'accepted',
          'USER_DAILY_LIMIT_REACHED',
          'USER_DAILY_LIMIT_REACHED',
        ]);
        expect(await store.getUsage('AAA', 'u1', TODAY)).toMatchObject({
          globalTotal: 2,
          userDaily: 2,
        });
      });

      it('checks the limits it is given in reason order', async () => {
        const c = coupon('AAA', { globalTotal: 1, userTotal: 1, userWeekly: 1, userDaily: 1 });
        await store.createCoupon(c);
        await store.redeem(attempt(c, 'u1'));
        expect(await store.redeem(attempt(c, 'u1'))).toMatchObject({
          reason: 'GLOBAL_LIMIT_REACHED',
        });
        const userLimits = { ...c, repeatCounts: { ...c.repeatCounts, globalTotal: null } };
        expect(await store.redeem(attempt(userLimits, 'u1'))).toMatchObject({
          reason: 'USER_TOTAL_LIMIT_REACHED',
        });
      });

      it('returns the first outcome for an order and counts it once', async () => {
        const c = coupon('AAA', { globalTotal: 1 });
        await store.createCoupon(c);
        const first = await store.redeem(attempt(c, 'u1', 'o1'));
        const again = await store.redeem(attempt(c, 'u1', 'o1'));
        expect(again).toEqual(first);
        expect(await store.findOutcome('AAA', 'order:o1', NOW)).toEqual(first);
        expect((await store.getUsage('AAA', 'u1', TODAY)).globalTotal).toBe(1);
        expect(await store.redeem(attempt(c, 'u2', 'o2'))).toMatchObject({
          reason: 'GLOBAL_LIMIT_REACHED',
        });
      });

      it('keeps a rejection as the first outcome of its order', async () => {
        const c = coupon('AAA', { userDaily: 0 });
        await store.createCoupon(c);
        const first = await store.redeem(attempt(c, 'u1', 'o1'));
        const raised = { ...c, repeatCounts: { ...c.repeatCounts, userDaily: 5 } };
        expect(await store.redeem(attempt(raised, 'u1', 'o1'))).toEqual(first);
        expect((await store.getUsage('AAA', 'u1', TODAY)).globalTotal).toBe(0);
      });

      it('keeps the outcome of a request without an orderId under its job, counting a re-run once', async () => {
        const c = coupon('AAA');
        await store.createCoupon(c);
        const job = { ...attempt(c, 'u1'), outcomeKey: outcomeKey(undefined, 'job-7') };
        const first = await store.redeem(job);
        expect(await store.redeem(job)).toEqual(first);
        expect(await store.findOutcome('AAA', 'job:job-7', NOW)).toEqual(first);
        expect((await store.getUsage('AAA', 'u1', TODAY)).userTotal).toBe(1);
      });

      it('counts each request without an outcome key', async () => {
        const c = coupon('AAA');
        await store.createCoupon(c);
        await store.redeem(attempt(c, 'u1'));
        await store.redeem(attempt(c, 'u1'));
        expect((await store.getUsage('AAA', 'u1', TODAY)).userTotal).toBe(2);
      });

      it('refuses to commit against a coupon that changed or went since it was read', async () => {
        const c = coupon('AAA');
        await store.createCoupon(c);
        await store.saveCoupon({ ...c, repeatCounts: { ...c.repeatCounts, globalTotal: 0 } }, 1);
        expect(await store.redeem(attempt(c, 'u1', 'o1'))).toBe(STALE_COUPON);
        expect(await store.findOutcome('AAA', 'order:o1', NOW)).toBeUndefined();
        await store.deleteCoupon('AAA');
        expect(await store.redeem(attempt(c, 'u1', 'o2'))).toBe(STALE_COUPON);
        expect((await store.getUsage('AAA', 'u1', TODAY)).globalTotal).toBe(0);
      });

      it('counts window uses only in their own day and week', async () => {
        const c = coupon('AAA', { userDaily: 1, userWeekly: 2 });
        await store.createCoupon(c);
        expect(await store.redeem(attempt(c, 'u1', 'o1', TODAY))).toMatchObject({
          status: 'accepted',
        });
        expect(await store.redeem(attempt(c, 'u1', 'o2', TODAY))).toMatchObject({
          reason: 'USER_DAILY_LIMIT_REACHED',
        });
        expect(await store.getUsage('AAA', 'u1', TOMORROW)).toEqual({
          globalTotal: 1,
          userTotal: 1,
          userWeekly: 1,
          userDaily: 0,
        });
        expect(await store.redeem(attempt(c, 'u1', 'o3', TOMORROW))).toMatchObject({
          status: 'accepted',
        });
        expect(await store.redeem(attempt(c, 'u2', 'o4', TOMORROW))).toMatchObject({
          status: 'accepted',
        });
        expect(await store.getUsage('AAA', 'u1', TOMORROW)).toMatchObject({
          userWeekly: 2,
          userDaily: 1,
        });
        expect(await store.redeem(attempt(c, 'u1', 'o5', TOMORROW))).toMatchObject({
          reason: 'USER_WEEKLY_LIMIT_REACHED',
        });
        expect(await store.getUsage('AAA', 'u1', NEXT_MONDAY)).toEqual({
          globalTotal: 3,
          userTotal: 2,
          userWeekly: 0,
          userDaily: 0,
        });
      });

      it('counts a request stamped with an earlier day in the newest day, never past its cap', async () => {
        const c = coupon('AAA', { userDaily: 1, userWeekly: 1 });
        await store.createCoupon(c);
        expect(await store.redeem(attempt(c, 'u1', 'o1', NEXT_MONDAY))).toMatchObject({
          status: 'accepted',
        });
        expect(await store.redeem(attempt(c, 'u1', 'o2', TOMORROW))).toMatchObject({
          reason: 'USER_WEEKLY_LIMIT_REACHED',
        });
        expect(await store.getUsage('AAA', 'u1', NEXT_MONDAY)).toMatchObject({
          userWeekly: 1,
          userDaily: 1,
        });
      });

      it('keeps caps exact when many redemptions arrive at once', async () => {
        const c = coupon('AAA', { globalTotal: 25, userDaily: 2 });
        await store.createCoupon(c);
        const outcomes = await Promise.all(
          Array.from({ length: 200 }, (_, i) => store.redeem(attempt(c, `u${i % 20}`, `o${i}`))),
        );
        const accepted = outcomes.filter((o) => o !== STALE_COUPON && o.status === 'accepted');
        expect(accepted).toHaveLength(25);
        for (let u = 0; u < 20; u++) {
          expect((await store.getUsage('AAA', `u${u}`, TODAY)).userDaily).toBeLessThanOrEqual(2);
        }
        expect((await store.getUsage('AAA', undefined, TODAY)).globalTotal).toBe(25);
      });
    });

    const rollback = (
      c: Coupon,
      userId: string,
      orderId: string,
      periods = TODAY,
    ): RollbackAttempt => ({
      request: { couponCode: c.code, userId, orderId },
      outcomeKey: outcomeKey(orderId, undefined)!,
      periods,
      now: NOW,
    });
    const ALL_RESTORED = { globalTotal: true, userTotal: true, userWeekly: true, userDaily: true };
    const NONE_USED = { globalTotal: 0, userTotal: 0, userWeekly: 0, userDaily: 0 };

    describe('rollback', () => {
      it('gives back every count of an accepted redemption in its own day and week', async () => {
        const c = coupon('AAA', { globalTotal: 10, userDaily: 1 });
        await store.createCoupon(c);
        await store.redeem(attempt(c, 'u1', 'o1'));
        await store.redeem(attempt(c, 'u2', 'o2'));
        expect(await store.rollback(rollback(c, 'u1', 'o1'))).toEqual({
          status: 'rolled-back',
          restored: ALL_RESTORED,
        });
        expect(await store.getUsage('AAA', 'u1', TODAY)).toEqual({ ...NONE_USED, globalTotal: 1 });
        expect(await store.redeem(attempt(c, 'u1', 'o3'))).toMatchObject({ status: 'accepted' });
      });

      it('leaves a daily count from an ended day alone, and a weekly one from an ended week', async () => {
        const c = coupon('AAA');
        await store.createCoupon(c);
        await store.redeem(attempt(c, 'u1', 'o1'));
        await store.redeem(attempt(c, 'u1', 'o2'));
        expect(await store.rollback(rollback(c, 'u1', 'o1', TOMORROW))).toEqual({
          status: 'rolled-back',
          restored: { ...ALL_RESTORED, userDaily: false },
        });
        expect(await store.getUsage('AAA', 'u1', TOMORROW)).toEqual({
          globalTotal: 1,
          userTotal: 1,
          userWeekly: 1,
          userDaily: 0,
        });
        expect(await store.rollback(rollback(c, 'u1', 'o2', NEXT_MONDAY))).toEqual({
          status: 'rolled-back',
          restored: { ...ALL_RESTORED, userDaily: false, userWeekly: false },
        });
        expect(await store.getUsage('AAA', 'u1', NEXT_MONDAY)).toEqual(NONE_USED);
      });

      it('rolls back once: a second rollback changes nothing and says so', async () => {
        const c = coupon('AAA');
        await store.createCoupon(c);
        await store.redeem(attempt(c, 'u1', 'o1'));
        await store.redeem(attempt(c, 'u1', 'o2'));
        await store.rollback(rollback(c, 'u1', 'o1'));
        expect(await store.rollback(rollback(c, 'u1', 'o1'))).toEqual({
          status: 'already-rolled-back',
        });
        expect(await store.getUsage('AAA', 'u1', TODAY)).toEqual({
          globalTotal: 1,
          userTotal: 1,
          userWeekly: 1,
          userDaily: 1,
        });
      });

      it('finds no redemption for an unknown order, a rejected one, or another user', async () => {
        const c = coupon('AAA', { globalTotal: 1 });
        await store.createCoupon(c);
        await store.redeem(attempt(c, 'u1', 'o1'));
        await store.redeem(attempt(c, 'u2', 'o2'));
        for (const [userId, orderId] of [
          ['u1', 'never'],
          ['u2', 'o2'],
          ['u2', 'o1'],
        ] as const) {
          expect(await store.rollback(rollback(c, userId, orderId))).toEqual({
            status: 'not-found',
          });
        }
        expect(await store.getUsage('AAA', 'u1', TODAY)).toMatchObject({ globalTotal: 1 });
      });

      it('decides an order afresh after its rollback', async () => {
        const c = coupon('AAA', { userTotal: 1 });
        await store.createCoupon(c);
        await store.redeem(attempt(c, 'u1', 'o1'));
        await store.rollback(rollback(c, 'u1', 'o1'));
        expect(await store.redeem(attempt(c, 'u1', 'o1'))).toMatchObject({
          status: 'accepted',
          remaining: { userTotal: 0 },
        });
        expect(await store.getUsage('AAA', 'u1', TODAY)).toMatchObject({ userTotal: 1 });
        expect(await store.redeem(attempt(c, 'u1', 'o2'))).toMatchObject({
          reason: 'USER_TOTAL_LIMIT_REACHED',
        });
        expect(await store.rollback(rollback(c, 'u1', 'o1'))).toMatchObject({
          status: 'rolled-back',
        });
      });

      it('gives nothing back to a coupon created again under the same code', async () => {
        const c = coupon('AAA');
        await store.createCoupon(c);
        await store.redeem(attempt(c, 'u1', 'o1'));
        await store.deleteCoupon('AAA');
        await store.createCoupon(c);
        const again = (await store.getCoupon('AAA'))!;
        await store.redeem(attempt(again, 'u1', 'o2'));
        expect(await store.rollback(rollback(c, 'u1', 'o1'))).toEqual({
          status: 'rolled-back',
          restored: { globalTotal: false, userTotal: false, userWeekly: false, userDaily: false },
        });
        expect(await store.getUsage('AAA', 'u1', TODAY)).toMatchObject({
          globalTotal: 1,
          userDaily: 1,
        });
      });
    });

    describe('redemption log', () => {
      const list = (code: string, query: Partial<LogQuery> = {}) =>
        store.listRedemptions(code, { limit: 20, ...query }, NOW);
      const summary = (entries: LogEntry[]) =>
        entries.map((e) => [e.userId, e.orderId, e.status, e.reason].filter(Boolean).join(' '));

      it('logs every decision and rollback, newest first, but not replays', async () => {
        const c = coupon('AAA', { globalTotal: 1 });
        await store.createCoupon(c);
        await store.redeem(attempt(c, 'u1', 'o1'));
        await store.redeem(attempt(c, 'u1', 'o1'));
        await store.redeem(attempt(c, 'u2', 'o2'));
        const refused = { couponCode: 'AAA', userId: 'u3', orderId: 'o3' };
        await store.recordOutcome(
          'order:o3',
          rejectedOutcome(refused, 'USER_NOT_FOUND', NOTHING_REMAINING, NOW),
          NOW,
        );
        await store.recordOutcome(
          undefined,
          rejectedOutcome(
            { couponCode: 'AAA', userId: 'u4' },
            'COUPON_INACTIVE',
            NOTHING_REMAINING,
            NOW,
          ),
          NOW,
        );
        await store.rollback(rollback(c, 'u1', 'o1'));
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

      it('pages through the log and filters by status and user', async () => {
        const c = coupon('AAA', { userTotal: 4 });
        await store.createCoupon(c);
        for (let i = 0; i < 25; i++) await store.redeem(attempt(c, `u${i % 5}`, `o${i}`));
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
        await store.createCoupon(coupon('AAA'));
        const request = { couponCode: 'AAA', userId: 'u1', orderId: 'o1' };
        const first = rejectedOutcome(request, 'USER_NOT_FOUND', NOTHING_REMAINING, NOW);
        expect(await store.recordOutcome(`order:${first.orderId}`, first, NOW)).toEqual(first);
        const second = rejectedOutcome(request, 'COUPON_INACTIVE', NOTHING_REMAINING, NOW + 1);
        expect(await store.recordOutcome(`order:${second.orderId}`, second, NOW)).toEqual(first);
        expect(await store.findOutcome('AAA', 'order:o1', NOW)).toEqual(first);
      });

      it('keeps outcomes for codes that have no coupon', async () => {
        const request = { couponCode: 'LATER', userId: 'u1', orderId: 'o9' };
        const first = rejectedOutcome(request, 'COUPON_NOT_FOUND', NOTHING_REMAINING, NOW);
        expect(await store.recordOutcome(`order:${first.orderId}`, first, NOW)).toEqual(first);
        await store.createCoupon(coupon('LATER'));
        expect(await store.findOutcome('LATER', 'order:o9', NOW)).toEqual(first);
        expect(await store.redeem(attempt(coupon('LATER'), 'u1', 'o9'))).toEqual(first);
      });
    });

    describe('resets', () => {
      it('frees the counters of ended days and weeks only, never totals or the current period', async () => {
        const c = coupon('AAA', { userDaily: 1, userWeekly: 5 });
        const d = coupon('BBB');
        await store.createCoupon(c);
        await store.createCoupon(d);
        await store.redeem(attempt(c, 'u1', 'o1', TODAY));
        await store.redeem(attempt(c, 'u2', 'o2', TODAY));
        await store.redeem(attempt(d, 'u1', 'o3', TODAY));

        expect(await store.clearEndedWindows('daily', TODAY.day)).toBe(0);
        expect(await store.getUsage('AAA', 'u1', TODAY)).toMatchObject({ userDaily: 1 });

        expect(await store.clearEndedWindows('daily', TOMORROW.day)).toBe(3);
        expect(await store.clearEndedWindows('daily', TOMORROW.day)).toBe(0);
        expect(await store.getUsage('AAA', 'u1', TODAY)).toEqual({
          globalTotal: 2,
          userTotal: 1,
          userWeekly: 1,
          userDaily: 0,
        });
        expect(await store.clearEndedWindows('weekly', TOMORROW.week)).toBe(0);
        expect(await store.clearEndedWindows('weekly', NEXT_MONDAY.week)).toBe(3);
        expect(await store.getUsage('AAA', 'u1', NEXT_MONDAY)).toEqual({
          globalTotal: 2,
          userTotal: 1,
          userWeekly: 0,
          userDaily: 0,
        });
      });

      it('counts a request stamped with a day a reset has ended in the current day', async () => {
        const c = coupon('AAA', { userDaily: 1 });
        await store.createCoupon(c);
        expect(await store.redeem(attempt(c, 'u1', 'o1', TODAY))).toMatchObject({
          status: 'accepted',
        });
        await store.clearEndedWindows('daily', TOMORROW.day);
        // Decided just before midnight, committed after the reset: it counts in the new day.
        expect(await store.redeem(attempt(c, 'u1', 'o2', TODAY))).toMatchObject({
          status: 'accepted',
        });
        expect(await store.redeem(attempt(c, 'u1', 'o3', TOMORROW))).toMatchObject({
          reason: 'USER_DAILY_LIMIT_REACHED',
        });
        expect(await store.getUsage('AAA', 'u1', TOMORROW)).toMatchObject({
          userDaily: 1,
          userTotal: 2,
        });
      });

      // Redis expires by its own clock; its spec checks the TTL it sets instead.
      if (!outcomesExpireByCallerClock) return;

      it('keeps outcomes for the TTL, then forgets and prunes them', async () => {
        const c = coupon('AAA');
        await store.createCoupon(c);
        const first = await store.redeem(attempt(c, 'u1', 'o1'));
        const lastKept = NOW + OUTCOME_TTL_MS - 1;
        expect(await store.findOutcome('AAA', 'order:o1', lastKept)).toEqual(first);
        expect(await store.pruneOutcomes(lastKept)).toBe(0);
        expect(await store.findOutcome('AAA', 'order:o1', NOW + OUTCOME_TTL_MS)).toBeUndefined();
        expect(await store.pruneOutcomes(NOW + OUTCOME_TTL_MS)).toBe(1);
        expect(await store.findOutcome('AAA', 'order:o1', NOW)).toBeUndefined();
      });

      it('lists log entries for the log TTL only, and pages from a cursor by position', async () => {
        const c = coupon('AAA');
        await store.createCoupon(c);
        await store.redeem(attempt(c, 'u1', 'old'));
        const later = { ...attempt(c, 'u1', 'new'), now: NOW + LOG_TTL_MS };
        await store.redeem(later);
        const page = await store.listRedemptions('AAA', { limit: 10 }, NOW + LOG_TTL_MS);
        expect(page.items.map((e) => e.orderId)).toEqual(['new']);
        const fromCursor = await store.listRedemptions(
          'AAA',
          { limit: 10, cursor: '1' },
          NOW + LOG_TTL_MS,
        );
        expect(fromCursor).toEqual({ items: [], nextCursor: null });
      });
    });
  });
}
