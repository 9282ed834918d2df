import { Redis } from 'ioredis';
import request from 'supertest';
import { RedemptionProcessor } from '../src/redemptions/redemption.processor.js';
import { EmbeddedRedis, freePort } from '../src/redis/embedded-redis.js';
import type { Queue } from 'bullmq';
import { jobsFinished, startApp, type TestApp } from './helpers.js';

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

  it('counts holds by status: reserved, rejected, confirmed, released, not-found and expired', async () => {
    await t
      .post('/coupons', {
        code: 'HELDMETRIC',
        discountPercentage: 5,
        expiresAt: '2026-12-31',
        repeatCounts: { globalTotal: 2 },
      })
      .expect(201);
    for (const id of ['u1', 'u2', 'u3']) {
      await t.post('/users', { id, name: id, email: `${id}@example.com` }).expect(201);
    }
    const queue = t.producer as unknown as Queue;
    const run = async (name: string, data: object) => {
      const finished = jobsFinished(t.app, 1);
      await queue.add(name, { couponCode: 'HELDMETRIC', ...data });
      await finished;
    };
    await run('reserve', { userId: 'u1', orderId: 'o1', ttlSeconds: 60 });
    await run('reserve', { userId: 'u2', orderId: 'o2', ttlSeconds: 60 });
    await run('reserve', { userId: 'u3', orderId: 'o3' }); // both uses are held: refused
    await run('redeem', { userId: 'u1', orderId: 'o1' }); // confirms
    await run('release', { userId: 'u2', orderId: 'o2' });
    await run('release', { userId: 'u3', orderId: 'o9' }); // no such hold
    await run('reserve', { userId: 'u3', orderId: 'o4', ttlSeconds: 60 });
    t.clock.set('2026-11-25T12:01:01Z');
    await run('reserve', { userId: 'u3', orderId: 'o5' }); // finds o4 expired first

    const text = (await t.get('/metrics').expect(200)).text;
    expect(text).toContain('coupon_holds_total{status="reserved"} 4');
    expect(text).toContain('coupon_holds_total{status="rejected"} 1');
    expect(text).toContain('coupon_holds_total{status="confirmed"} 1');
    expect(text).toContain('coupon_holds_total{status="released"} 1');
    expect(text).toContain('coupon_holds_total{status="not-found"} 1');
    expect(text).toContain('coupon_holds_total{status="expired"} 1');
    expect(text).toContain('redemptions_total{status="accepted",reason="none"} 1');
  });
});

describe('metrics while Redis is down or hung', () => {
  // A private redis-server, so that stopping and pausing it touches no other test.
  let redis: EmbeddedRedis | undefined;
  let t: TestApp;
  const port = freePort();
  const startRedis = async () => {
    redis = await EmbeddedRedis.start({ port: await port });
  };
  const stopRedis = async () => {
    await redis?.stop();
    redis = undefined;
  };
  beforeAll(async () => {
    await startRedis();
    t = await startApp({ redisUrl: redis!.url });
  });
  beforeEach(async () => {
    if (!redis) await startRedis(); // after a test that failed with Redis stopped
  });
  afterAll(async () => {
    if (!redis) await startRedis(); // the app closes cleanly only with its Redis there
    await t.close();
    await stopRedis();
  }, 30_000);

  const QUEUES = ['coupon-redemptions', 'coupon-counter-resets'];
  /** Scrapes until `available` shows for both queues (Redis takes a moment to be back). */
  async function scrapeUntilAvailable(available: 0 | 1): Promise<string> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { text } = await t.get('/metrics').expect(200);
      const lines = QUEUES.map((queue) => `queue_metrics_available{queue="${queue}"} ${available}`);
      if (lines.every((line) => text.includes(line))) return text;
      if (Date.now() > deadline)
        throw new Error(`no queue_metrics_available ${available}:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('answers 200 with the process metrics, and marks the queue counts unavailable', async () => {
    await t
      .post('/coupons', { code: 'DOWN', discountPercentage: 5, expiresAt: '2026-12-31' })
      .expect(201);
    await t.post('/users', { id: 'u1', name: 'U', email: 'u1@example.com' }).expect(201);
    await t.post('/redemptions', { couponCode: 'DOWN', userId: 'u1', orderId: 'o1' }).expect(201);
    const up = await scrapeUntilAvailable(1);
    expect(up).toContain('queue_jobs{queue="coupon-redemptions",state="completed"} 1');

    await stopRedis();
    const started = Date.now();
    const response = await t.get('/metrics').expect(200);
    expect(Date.now() - started).toBeLessThan(1500);
    const text = response.text;
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).toContain('redemptions_total{status="accepted",reason="none"} 1');
    for (const queue of QUEUES) {
      expect(text).toContain(`queue_metrics_available{queue="${queue}"} 0`);
      expect(text).not.toContain(`queue_jobs{queue="${queue}"`);
    }

    await startRedis();
    await scrapeUntilAvailable(1);
  }, 60_000);

  it('does not wait for a Redis that does not answer longer than about a second', async () => {
    await scrapeUntilAvailable(1);
    const admin = new Redis(redis!.url);
    try {
      await admin.call('CLIENT', 'PAUSE', '4000', 'ALL'); // every client's commands now hang
      const started = Date.now();
      const { text } = await t.get('/metrics').expect(200);
      expect(Date.now() - started).toBeLessThan(2500);
      for (const queue of QUEUES) {
        expect(text).toContain(`queue_metrics_available{queue="${queue}"} 0`);
      }
      expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    } finally {
      admin.disconnect();
    }
    await scrapeUntilAvailable(1);
  }, 60_000);
});

describe('API documentation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => t.close());

  it('serves an OpenAPI 3 document with every route, its status codes and the error shape', async () => {
    const { body: spec } = await request(t.app.getHttpServer()).get('/docs/json').expect(200);
    expect(spec.openapi).toMatch(/^3\./);
    const operations = Object.entries(
      spec.paths as Record<string, Record<string, unknown>>,
    ).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'DELETE /coupons/{code}',
        'DELETE /coupons/{code}/codes/{uniqueCode}',
        'DELETE /coupons/{code}/usage/{userId}',
        'DELETE /users/{id}',
        'GET /coupons',
        'GET /coupons/{code}',
        'GET /coupons/{code}/busiest-users',
        'GET /coupons/{code}/code-batches',
        'GET /coupons/{code}/code-batches/{batch}/codes',
        'GET /coupons/{code}/codes/{uniqueCode}',
        'GET /coupons/{code}/holds',
        'GET /coupons/{code}/redemptions',
        'GET /coupons/{code}/repeat-counts',
        'GET /coupons/{code}/stats',
        'GET /coupons/{code}/usage/{userId}',
        'GET /coupons/{code}/validate',
        'GET /health/live',
        'GET /health/ready',
        'GET /metrics',
        'GET /redemptions/{jobId}',
        'GET /session',
        'GET /users',
        'GET /users/{id}',
        'PATCH /coupons/{code}',
        'PATCH /users/{id}',
        'POST /admin/resets/daily',
        'POST /admin/resets/weekly',
        'POST /coupons',
        'POST /coupons/{code}/code-batches',
        'POST /redemptions',
        'POST /redemptions/rollback',
        'POST /reservations',
        'DELETE /reservations/{couponCode}/{orderId}',
        'POST /users',
        'PUT /coupons/{code}/repeat-counts',
      ].sort(),
    );
    // The export documents both of its answers: the CSV download and a JSON page.
    expect(
      Object.keys(
        spec.paths['/coupons/{code}/code-batches/{batch}/codes'].get.responses['200'].content,
      ),
    ).toEqual(['text/csv', 'application/json']);
    expect(Object.keys(spec.paths['/redemptions'].post.responses).sort()).toEqual(
      ['201', '202', '400', '401', '413', '415', '422', '503'].sort(),
    );
    expect(Object.keys(spec.paths['/reservations'].post.responses).sort()).toEqual(
      ['201', '202', '400', '401', '413', '415', '422', '503'].sort(),
    );
    expect(Object.keys(spec.paths['/redemptions/rollback'].post.responses).sort()).toEqual(
      ['200', '202', '400', '401', '404', '413', '415', '503'].sort(),
    );
    expect(
      spec.paths['/coupons'].post.responses['409'].content['application/json'].schema.$ref,
    ).toBe('#/components/schemas/ErrorResponse');
    expect(Object.keys(spec.components.schemas.CreateCouponDto.properties).sort()).toEqual(
      [
        'active',
        'code',
        'description',
        'discountPercentage',
        'expiresAt',
        'repeatCounts',
        'startsAt',
      ].sort(),
    );
    // Open routes ask for no token; the others for the bearer token.
    expect(spec.paths['/health/ready'].get.security).toBeUndefined();
    expect(
      spec.paths['/health/ready'].get.responses['503'].content['application/json'].schema.$ref,
    ).toBe('#/components/schemas/ErrorResponse');
    expect(spec.paths['/coupons'].post.security).toEqual([{ bearer: [] }]);
    expect(spec.security).toBeUndefined();
    await request(t.app.getHttpServer()).get('/docs').expect(200).expect('Content-Type', /html/);
  });
});
