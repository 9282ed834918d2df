import { RedemptionService } from '../src/redemptions/redemption.service.js';
import { startApp, type TestApp } from './helpers.js';

/**
 * The worker keeps the coupons it read between jobs. Whatever an admin changes, here or in another
 * process on the same Redis store, the next redemption must be decided on the coupon as it is now.
 */
describe.each(['memory', 'redis'] as const)('cached coupons (%s store)', (store) => {
  let admin: TestApp;
  let worker: TestApp;

  beforeEach(async () => {
    admin = await startApp({ store });
    // With Redis, the deciding app is another process on the same store; in memory it is the same.
    worker =
      store === 'redis' ? await startApp({ store, storePrefix: admin.config.storePrefix }) : admin;
  });
  afterEach(async () => {
    if (worker !== admin) await worker.close();
    await admin.close();
  });

  let order = 0;
  const redeem = async () => {
    const outcome = await worker.app
      .get(RedemptionService)
      .redeem({ couponCode: 'CACHED', userId: 'alice', orderId: `order-${++order}` });
    return outcome.reason ?? outcome.status;
  };

  it('sees deactivation, reactivation, new limits, deletion and re-creation at once', async () => {
    const coupon = { code: 'CACHED', discountPercentage: 10, expiresAt: '2027-06-30' };
    await admin.post('/coupons', { ...coupon, repeatCounts: { globalTotal: 10 } }).expect(201);
    await admin.post('/users', { id: 'alice', name: 'Alice', email: 'a@example.com' }).expect(201);
    expect(await redeem()).toBe('accepted');

    await admin.patch('/coupons/CACHED', { active: false }).expect(200);
    expect(await redeem()).toBe('COUPON_INACTIVE');
    await admin.patch('/coupons/CACHED', { active: true }).expect(200);
    expect(await redeem()).toBe('accepted');

    await admin.put('/coupons/CACHED/repeat-counts', { globalTotal: 2 }).expect(200);
    expect(await redeem()).toBe('GLOBAL_LIMIT_REACHED');
    // An expiry in the past is refused (as on create): bring it near, then let the worker's day pass.
    await admin.patch('/coupons/CACHED', { expiresAt: '2026-11-25' }).expect(200);
    worker.clock.set('2026-11-26T00:00:00Z');
    expect(await redeem()).toBe('COUPON_EXPIRED');
    await admin.patch('/coupons/CACHED', { expiresAt: '2027-06-30' }).expect(200);
    expect(await redeem()).toBe('GLOBAL_LIMIT_REACHED');

    await admin.delete('/coupons/CACHED').expect(204);
    expect(await redeem()).toBe('COUPON_NOT_FOUND');
    await admin.post('/coupons', { ...coupon, repeatCounts: { globalTotal: 1 } }).expect(201);
    expect(await redeem()).toBe('accepted');
    expect(await redeem()).toBe('GLOBAL_LIMIT_REACHED');
  });

  it('finds a user registered after a request for them was refused', async () => {
    await admin
      .post('/coupons', { code: 'CACHED', discountPercentage: 10, expiresAt: '2027-06-30' })
      .expect(201);
    expect(await redeem()).toBe('USER_NOT_FOUND');
    await admin.post('/users', { id: 'alice', name: 'Alice', email: 'a@example.com' }).expect(201);
    expect(await redeem()).toBe('accepted');
  });
});
