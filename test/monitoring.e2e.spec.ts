import request from 'supertest';
import { RedemptionProcessor } from '../src/redemptions/redemption.processor.js';
import { startApp, type TestApp } from './helpers.js';

describe('health and metrics', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startApp();
  });
  afterEach(async () => t.close());

  const open = () => request(t.app.getHttpServer());

  it('answers liveness and readiness without a token', async () => {
    expect((await open().get('/health/live').expect(200)).body).toMatchObject({ status: 'ok' });
    expect((await open().get('/health/ready').expect(200)).body).toMatchObject({
      status: 'ok',
      details: { redis: { status: 'up' }, worker: { status: 'up' } },
    });
  });

  it('is not ready while the worker is paused, and says why', async () => {
    const worker = t.app.get(RedemptionProcessor).worker;
    await worker.pause(true);
    const response = await open().get('/health/ready').expect(503);
    expect(response.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      details: {
        redis: { status: 'up' },
        worker: { status: 'down', message: 'the redemption worker is not running' },
      },
    });
    worker.resume();
    await open().get('/health/ready').expect(200);
  });

  it('keeps metrics behind the admin token', async () => {
    await open().get('/metrics').expect(401);
  });

  it('counts redemptions by status and reason, resets by period, and jobs by state', async () => {
    await t
      .post('/coupons', {
        code: 'METRIC',
        discountPercentage: 5,
        expiresAt: '2026-12-31',
        repeatCounts: { userDaily: 1 },
      })
      .expect(201);
    await t.post('/users', { id: 'u1', name: 'U', email: 'u1@example.com' }).expect(201);
    await t.post('/redemptions', { couponCode: 'METRIC', userId: 'u1', orderId: 'o1' }).expect(201);
    await t.post('/redemptions', { couponCode: 'METRIC', userId: 'u1', orderId: 'o2' }).expect(422);
    await t
      .post('/redemptions', { couponCode: 'METRIC', userId: 'nobody', orderId: 'o3' })
      .expect(422);
    await t.post('/admin/resets/daily').expect(200);

    const response = await t.get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.text;
    expect(text).toContain('redemptions_total{status="accepted",reason="none"} 1');
    expect(text).toContain(
      'redemptions_total{status="rejected",reason="USER_DAILY_LIMIT_REACHED"} 1',
    );
    expect(text).toContain('redemptions_total{status="rejected",reason="USER_NOT_FOUND"} 1');
    expect(text).toContain('redemption_processing_seconds_count 3');
    expect(text).toContain('redemption_decision_latency_seconds_count 3');
    expect(text).toContain('counter_resets_total{period="daily"} 1');
    expect(text).toContain('queue_jobs{queue="coupon-redemptions",state="completed"} 3');
    expect(text).toContain('queue_jobs{queue="coupon-counter-resets",state="delayed"} 2');
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
  });
});
