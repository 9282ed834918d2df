import { startApp, type TestApp } from './helpers.js';

// Friday 2026-11-27, 23:30 in New York (UTC-5): already Saturday in UTC.
const FRIDAY_LATE = '2026-11-28T04:30:00Z';

describe('days, weeks and expiry in COUPON_TZ=America/New_York', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startApp({ couponTz: 'America/New_York' }, FRIDAY_LATE);
    await t.post('/users', { id: 'alice', name: 'Alice', email: 'alice@example.com' }).expect(201);
  });
  afterEach(async () => t.close());

  let order = 0;
  const redeem = async (couponCode: string) =>
    (await t.post('/redemptions', { couponCode, userId: 'alice', orderId: `o-${++order}` })).body;

  it('starts a new day at local midnight and a new week at local Monday 00:00', async () => {
    await t
      .post('/coupons', {
        code: 'WEEKEND',
        discountPercentage: 5,
        expiresAt: '2026-12-31',
        repeatCounts: { userDaily: 1, userWeekly: 2 },
      })
      .expect(201);
    expect(await redeem('WEEKEND')).toMatchObject({ status: 'accepted' });
    expect(await redeem('WEEKEND')).toMatchObject({ reason: 'USER_DAILY_LIMIT_REACHED' });

    t.clock.set('2026-11-28T05:00:00Z'); // Saturday 00:00 local
    expect(await redeem('WEEKEND')).toMatchObject({
      status: 'accepted',
      remaining: { userDaily: 0, userWeekly: 0 },
    });

    t.clock.set('2026-11-30T04:59:59.999Z'); // Sunday 23:59:59.999 local, Monday in UTC
    expect(await redeem('WEEKEND')).toMatchObject({ reason: 'USER_WEEKLY_LIMIT_REACHED' });
    expect((await t.get('/coupons/WEEKEND/usage/alice').expect(200)).body).toMatchObject({
      userDaily: { used: 0 },
      userWeekly: { used: 2 },
    });

    t.clock.set('2026-11-30T05:00:00Z'); // Monday 00:00 local
    expect(await redeem('WEEKEND')).toMatchObject({
      status: 'accepted',
      remaining: { userDaily: 0, userWeekly: 1 },
    });
  });

  it('keeps a coupon with a bare expiry date valid through the end of that local day', async () => {
    const created = await t
      .post('/coupons', {
        code: 'ENDS',
        discountPercentage: 5,
        startsAt: '2026-11-28',
        expiresAt: '2026-11-30',
      })
      .expect(201);
    expect(created.body).toMatchObject({
      startsAt: '2026-11-28T00:00:00.000-05:00',
      expiresAt: '2026-11-30T23:59:59.999-05:00',
    });
    expect(await redeem('ENDS')).toMatchObject({ reason: 'COUPON_NOT_STARTED' });
    t.clock.set('2026-11-28T05:00:00.000Z');
    expect(await redeem('ENDS')).toMatchObject({ status: 'accepted' });
    t.clock.set('2026-12-01T04:59:59.999Z');
    expect(await redeem('ENDS')).toMatchObject({ status: 'accepted' });
    t.clock.set('2026-12-01T05:00:00.000Z');
    expect(await redeem('ENDS')).toMatchObject({ reason: 'COUPON_EXPIRED' });
  });

  it('refuses an expiry date that is already over in the local zone', async () => {
    // 2026-11-27 is over in New York at this instant, though it was "today" a moment ago in UTC terms.
    t.clock.set('2026-11-28T05:00:00Z');
    const response = await t
      .post('/coupons', { code: 'PAST', discountPercentage: 5, expiresAt: '2026-11-27' })
      .expect(400);
    expect(response.body.message).toEqual(['expiresAt must be in the future']);
  });
});
