import type { Redis } from 'ioredis';
import request from 'supertest';
import { STORE_REDIS } from '../src/store/store.module.js';
import { keysSeen, startApp, TOKEN, uniquePrefix, VIEWER_TOKEN, type TestApp } from './helpers.js';

const WRONG = 'wrong-token-wrong-token';
const ATTACKER = '203.0.113.7';
const NEIGHBOUR = '198.51.100.9';

describe('limits that stop attackers, not admins', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  /** GET `path` as the client `forwardedFor` behind a proxy, with `token` (or none). */
  const get = (path: string, forwardedFor: string, token?: string): request.Test => {
    const call = request(t!.app.getHttpServer()).get(path).set('X-Forwarded-For', forwardedFor);
    return token === undefined ? call : call.set('Authorization', `Bearer ${token}`);
  };

  it('behind TRUST_PROXY=1 locks out wrong tokens from the forwarded address that failed, never a valid token and never its neighbours', async () => {
    t = await startApp({ trustProxy: 1, authFailuresPerMinute: 20 });
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      statuses.push((await get('/coupons', ATTACKER, WRONG)).status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(80).fill(429));
    const locked = await get('/coupons', ATTACKER).expect(429);
    expect(locked.body.message).toBe('Too many failed authentications; wait before trying again');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Addresses the client adds itself in front of the proxy's do not get it out.
    await get('/coupons', `10.9.9.9, ${ATTACKER}`, WRONG).expect(429);

    await get('/coupons', ATTACKER, TOKEN).expect(200);
    await get('/coupons', ATTACKER, VIEWER_TOKEN).expect(200);
    await get('/queues/api/queues', ATTACKER, TOKEN).expect(200);
    await get('/queues/api/queues', ATTACKER).auth('ops', TOKEN).expect(200);
    await get('/coupons', NEIGHBOUR, WRONG).expect(401);
    await get('/queues/api/queues', NEIGHBOUR).auth('ops', WRONG).expect(401);
    // A valid token in between lifts nothing for the wrong ones.
    await get('/coupons', ATTACKER, WRONG).expect(429);
    const dashboard = await get('/queues/api/queues', ATTACKER).auth('ops', WRONG).expect(429);
    expect(Number(dashboard.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('takes TRUST_PROXY as a list of proxy addresses', async () => {
    t = await startApp({
      trustProxy: ['loopback', '192.0.2.0/24', 'fe80::/10', 'uniquelocal'],
      authFailuresPerMinute: 2,
    });
    for (let i = 0; i < 2; i++) await get('/coupons', ATTACKER, WRONG).expect(401);
    await get('/coupons', ATTACKER, WRONG).expect(429);
    await get('/coupons', NEIGHBOUR, WRONG).expect(401);
    await get('/coupons', ATTACKER, TOKEN).expect(200);
  });

  it('without TRUST_PROXY ignores X-Forwarded-For: every failure counts against the socket address', async () => {
    t = await startApp({ authFailuresPerMinute: 3 });
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
      await get('/coupons', address, WRONG).expect(401);
    }
    await get('/coupons', '192.0.2.4', WRONG).expect(429);
    await get('/coupons', '192.0.2.4', TOKEN).expect(200);
  });

  it('never rate-limits the health routes, and failed authentications use up no request budget', async () => {
    t = await startApp({ rateLimitPerMinute: 5, authFailuresPerMinute: 20 });
    const open = () => request(t!.app.getHttpServer());
    for (let i = 0; i < 50; i++) await open().get('/health/live').expect(200);
    for (let i = 0; i < 10; i++) await open().get('/health/ready').expect(200);
    for (let i = 0; i < 10; i++) {
      await open().get('/coupons').set('Authorization', `Bearer ${WRONG}`).expect(401);
    }
    for (let i = 0; i < 5; i++) await t!.get('/coupons').expect(200);
    const limited = await t!.get('/coupons').expect(429);
    expect(limited.body.message).toBe('Too many requests; slow down');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await open().get('/health/live').expect(200);
    await open().get('/health/ready').expect(200);
  });
});

describe('rate limits across processes', () => {
  let apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps) await app.close();
    apps = [];
  });

  /** Two apps, as two API processes: same store (and STORE_PREFIX), same limits. */
  const twoApps = async (overrides: Parameters<typeof startApp>[0]) => {
    apps.push(await startApp(overrides), await startApp(overrides));
    return apps;
  };
  const wrong = (t: TestApp) =>
    request(t.app.getHttpServer()).get('/coupons').set('Authorization', `Bearer ${WRONG}`);

  it('with STORE=redis share RATE_LIMIT_PER_MINUTE through Redis', async () => {
    const storePrefix = uniquePrefix();
    const [a, b] = await twoApps({ store: 'redis', storePrefix, rateLimitPerMinute: 6 });
    for (let i = 0; i < 3; i++) {
      await a.get('/coupons').expect(200);
      await b.get('/coupons').expect(200);
    }
    const limited = await a.get('/coupons').expect(429);
    expect(limited.body.message).toBe('Too many requests; slow down');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    await b.get('/coupons').expect(429);
    // One key per client address, its own hash tag, under STORE_PREFIX (close deletes it).
    const rate = keysSeen(storePrefix).filter((key) => key.includes(':rate:'));
    expect(rate).toEqual([
      expect.stringMatching(new RegExp(`^${storePrefix}:rate:requests:\\{[^{}]+\\}$`)),
    ]);
  });

  it('with STORE=redis share AUTH_FAILURES_PER_MINUTE through Redis', async () => {
    const storePrefix = uniquePrefix();
    const [a, b] = await twoApps({ store: 'redis', storePrefix, authFailuresPerMinute: 4 });
    for (let i = 0; i < 2; i++) {
      await wrong(a).expect(401);
      await wrong(b).expect(401);
    }
    const locked = await wrong(b).expect(429);
    expect(locked.body.message).toBe('Too many failed authentications; wait before trying again');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);
    await wrong(a).expect(429);
    await a.get('/coupons').expect(200);
    const rate = keysSeen(storePrefix).filter((key) => key.includes(':rate:'));
    expect(rate).toEqual([
      expect.stringMatching(new RegExp(`^${storePrefix}:rate:auth-failures:\\{[^{}]+\\}$`)),
    ]);
  });

  it('with STORE=redis fall back to per-process limits while Redis is away: 503 or 429, never 500', async () => {
    const t = await startApp({ store: 'redis', rateLimitPerMinute: 3, authFailuresPerMinute: 2 });
    apps.push(t);
    const redis = t.app.get<Redis>(STORE_REDIS);
    const ended = new Promise((resolve) => redis.once('end', resolve));
    redis.disconnect();
    await ended;
    try {
      for (let i = 0; i < 3; i++) await t.get('/coupons').expect(503);
      const limited = await t.get('/coupons').expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      for (let i = 0; i < 2; i++) await wrong(t).expect(401);
      await wrong(t).expect(429);
      await request(t.app.getHttpServer()).get('/health/live').expect(200);
    } finally {
      await redis.connect();
    }
  });

  it('with STORE=memory stay per process', async () => {
    const [a, b] = await twoApps({ rateLimitPerMinute: 3, authFailuresPerMinute: 2 });
    for (let i = 0; i < 3; i++) {
      await a.get('/coupons').expect(200);
      await b.get('/coupons').expect(200);
    }
    await a.get('/coupons').expect(429);
    for (let i = 0; i < 2; i++) {
      await wrong(a).expect(401);
      await wrong(b).expect(401);
    }
    await wrong(b).expect(429);
  });
});
