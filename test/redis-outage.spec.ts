import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { JobName, redemptionJobId } from '../src/redemptions/redemption.contract.js';
import { startApp, type TestApp } from './helpers.js';
import { EmbeddedRedis } from '../src/redis/embedded-redis.js';
import { freePort } from './processes.js';

/** A private redis-server for this test alone, keeping its data (append-only file) across restarts. */
class PrivateRedis {
  private server: EmbeddedRedis | undefined;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), mkdtempSync(join(tmpdir(), 'coupon-outage-')));
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    this.server = await EmbeddedRedis.start({
      port: this.port,
      extraArgs: ['--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always'],
    });
  }

  async down(): Promise<void> {
    await this.server?.stop();
  }

  async remove(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const JOBS = 300;

describe('a Redis outage in the middle of a run (Redis store)', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  afterAll(async () => {
    await t?.app.close();
    await t?.producer.close();
    await redis?.remove();
  });

  it('answers 503 at once while Redis is away, then finishes every job, losing and doubling nothing', async () => {
    redis = await PrivateRedis.start();
    t = await startApp({
      redisUrl: redis.url,
      store: 'redis',
      jobLockMs: 2000,
      redemptionWaitMs: 1000,
    });
    await t
      .post('/coupons', { code: 'OUTAGE', discountPercentage: 5, expiresAt: '2099-12-31' })
      .expect(201);
    for (let i = 0; i < 20; i++) {
      await t
        .post('/users', { id: `u${i}`, name: `U${i}`, email: `u${i}@example.com` })
        .expect(201);
    }
    await t.producer.addBulk(
      Array.from({ length: JOBS }, (_, i) => ({
        name: JobName.Redeem,
        data: { couponCode: 'OUTAGE', userId: `u${i % 20}`, orderId: `o-${i}` },
        opts: {
          jobId: redemptionJobId('OUTAGE', `o-${i}`),
          attempts: 10,
          backoff: { type: 'fixed', delay: 300 },
        },
      })),
    );
    while ((await t.producer.getCompletedCount()) < JOBS / 5)
      await new Promise((r) => setTimeout(r, 5));

    await redis.down();
    const started = Date.now();
    const redeem = await t.post('/redemptions', {
      couponCode: 'OUTAGE',
      userId: 'u1',
      orderId: 'during',
    });
    expect(redeem.status).toBe(503);
    expect(redeem.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Redis is unavailable; try again shortly',
    });
    await t.get('/coupons').expect(503);
    await request(t.app.getHttpServer()).get('/health/ready').expect(503);
    expect(Date.now() - started).toBeLessThan(3000);

    await redis.up();
    const deadline = Date.now() + 60_000;
    while ((await t.producer.getCompletedCount()) + (await t.producer.getFailedCount()) < JOBS) {
      if (Date.now() > deadline) throw new Error('jobs did not finish after Redis came back');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await t.producer.getFailedCount()).toBe(0);
    const outcomes = (await t.producer.getJobs(['completed'], 0, -1)).map((job) => job.returnvalue);
    const accepted = outcomes.filter((outcome) => outcome.status === 'accepted');
    expect(new Set(outcomes.map((outcome) => outcome.orderId)).size).toBe(JOBS);
    expect(accepted).toHaveLength(JOBS);
    const counts = await t.get('/coupons/OUTAGE/repeat-counts').expect(200);
    expect(counts.body.globalUsed).toBe(JOBS);
    await request(t.app.getHttpServer()).get('/health/ready').expect(200);
  }, 90_000);
});
